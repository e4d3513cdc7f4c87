/// The WINDOW clause and durations (SPEC 5).
///
///     WINDOW TUMBLING (SIZE 1 MINUTE)
///     WINDOW HOPPING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)     -- SLIDING with ADVANCE too
///     WINDOW SLIDING (SIZE 5 MINUTES)
///     WINDOW SESSION (GAP 30 SECONDS)
///     WINDOW TUMBLING (SIZE 100 ROWS)
///     WINDOW SLIDING (SIZE 100 ROWS, ADVANCE BY 10 ROWS)
///     WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)
///     WINDOW TUMBLING (SIZE 1 MINUTE) GRACE PERIOD 10 SECONDS
///
/// Durations are a number and a unit (`5 SECONDS`, `1 MINUTE`, singular or plural), a string
/// (`'5 minutes'`, `'1 hour 30 minutes'`, `'100ms'`) or an INTERVAL literal, normalised to
/// milliseconds. Sizes, gaps and advances must be positive; GRACE must not be negative.
extension Parser {
  /// A window length: a duration, or `n ROWS`.
  struct WindowLength {
    var value: Int64
    var rows: Bool
    var span: SourceSpan
  }

  /// The clause after the WINDOW keyword.
  mutating func parseWindow(start: SourceSpan) throws(Diagnostic) -> WindowSpec {
    guard let shape = current.keyword,
      ["TUMBLING", "HOPPING", "SLIDING", "SESSION"].contains(shape)
    else { throw error("expected TUMBLING, HOPPING, SLIDING or SESSION after WINDOW") }
    advance()
    try expect(.leftParen, "expected '(' after \(shape)")
    var grace: Int64? = nil
    var size: WindowLength
    var advanceBy: WindowLength? = nil
    if shape == "SESSION" {
      try expect(keyword: "GAP")
      size = try parseWindowLength(after: "GAP", allowRows: false)
    } else {
      try expect(keyword: "SIZE")
      size = try parseWindowLength(after: "SIZE", allowRows: true)
    }
    while consume(.comma) {
      if current.isKeyword("ADVANCE") && shape != "SESSION" && advanceBy == nil {
        advance()
        try expect(keyword: "BY")
        advanceBy = try parseWindowLength(after: "ADVANCE BY", allowRows: size.rows)
      } else if current.isKeyword("GRACE") {
        grace = try parseGrace(existing: grace)
      } else {
        throw error(
          shape == "SESSION" ? "expected GRACE PERIOD" : "expected ADVANCE BY or GRACE PERIOD")
      }
    }
    let close = current
    try expect(.rightParen, "expected ')' to close '('")
    if current.isKeyword("GRACE") { grace = try parseGrace(existing: grace) }

    let kind: WindowSpec.Kind
    switch (shape, advanceBy) {
    case ("SESSION", _):
      kind = .session(gapMillis: size.value)
    case ("TUMBLING", nil):
      kind = size.rows ? .tumblingRows(size.value) : .tumbling(sizeMillis: size.value)
    case ("TUMBLING", let step?):
      throw Diagnostic(
        "a TUMBLING window takes no ADVANCE BY", span: step.span,
        note: "use HOPPING (SIZE d, ADVANCE BY a) for overlapping windows")
    case ("SLIDING", nil) where !size.rows:
      kind = .sliding(sizeMillis: size.value)
    case (_, nil):
      throw Diagnostic(
        "expected ADVANCE BY in a \(shape) window \(size.rows ? "over ROWS" : "")".trimmingSpace,
        span: close.span)
    case (_, let step?):
      guard step.rows == size.rows else {
        throw Diagnostic(
          "SIZE and ADVANCE BY must both be durations or both be ROWS", span: step.span)
      }
      kind =
        size.rows
        ? .hoppingRows(size: size.value, advance: step.value)
        : .hopping(sizeMillis: size.value, advanceMillis: step.value)
    }
    return WindowSpec(kind: kind, graceMillis: grace, span: start.union(previousSpan))
  }

  /// `GRACE PERIOD d`; the cursor is on GRACE.
  mutating func parseGrace(existing: Int64?) throws(Diagnostic) -> Int64 {
    let keyword = advance()
    guard existing == nil else {
      throw Diagnostic("GRACE PERIOD is given twice", span: keyword.span)
    }
    try expect(keyword: "PERIOD")
    let start = current.span
    let millis = try parseDuration(after: "GRACE PERIOD")
    guard millis >= 0 else {
      throw Diagnostic("GRACE PERIOD must not be negative", span: start.union(previousSpan))
    }
    return millis
  }

  /// A positive duration or, when `allowRows`, a positive `n ROWS`.
  mutating func parseWindowLength(after keyword: String, allowRows: Bool) throws(Diagnostic)
    -> WindowLength
  {
    let start = current.span
    var offset = 0
    if current.isSymbol(.minus) { offset = 1 }
    if allowRows, peek(offset + 1).isKeyword("ROWS") {
      let negative = consume(.minus)
      guard case .integer(let text) = current.kind, let count = Int64(text) else {
        throw error("expected a whole number of rows")
      }
      advance()
      advance()  // ROWS
      let span = start.union(previousSpan)
      guard !negative && count > 0 else {
        throw Diagnostic("the number of rows after \(keyword) must be positive", span: span)
      }
      return WindowLength(value: count, rows: true, span: span)
    }
    let millis = try parseDuration(after: keyword)
    let span = start.union(previousSpan)
    guard millis > 0 else {
      throw Diagnostic("the duration after \(keyword) must be positive", span: span)
    }
    return WindowLength(value: millis, rows: false, span: span)
  }

  /// A duration in milliseconds: `[-]n UNIT`, `'text'`, `'n' UNIT` or `INTERVAL ...`.
  mutating func parseDuration(after keyword: String) throws(Diagnostic) -> Int64 {
    if keyword != "INTERVAL", current.isKeyword("INTERVAL") {
      advance()
      return try parseDuration(after: "INTERVAL")
    }
    let start = current.span
    let negative = consume(.minus)
    let amount: String
    switch current.kind {
    case .integer(let text), .decimal(let text):
      advance()
      amount = text
    case .string(let text) where !negative:
      advance()
      if let millis = Parser.parseDurationText(text) { return millis }
      guard Parser.splitNumber(text) != nil else {
        throw Diagnostic(
          "invalid duration '\(text)'", span: previousSpan,
          note: "write e.g. '5 minutes' or '100 milliseconds'")
      }
      amount = text
    default:
      // Worded as in SPEC 9; the caret under the token says what was found instead.
      throw Diagnostic(
        "expected a duration after \(keyword)", span: current.span,
        note: "found \(current); write e.g. 5 SECONDS, 1 MINUTE or '100 milliseconds'")
    }
    guard let word = current.keyword, let unit = Parser.unitWords[word] else {
      throw error("expected a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS, WEEKS)")
    }
    advance()
    guard let millis = Parser.scale((negative ? "-" : "") + amount, by: unit) else {
      throw Diagnostic("duration is too large", span: start.union(previousSpan))
    }
    return millis
  }

  /// Milliseconds in each unit written as a keyword after a number.
  static let unitWords: [String: Int64] = [
    "MILLISECOND": 1, "MILLISECONDS": 1, "SECOND": 1000, "SECONDS": 1000, "MINUTE": 60_000,
    "MINUTES": 60_000, "HOUR": 3_600_000, "HOURS": 3_600_000, "DAY": 86_400_000,
    "DAYS": 86_400_000, "WEEK": 604_800_000, "WEEKS": 604_800_000,
  ]

  /// Units inside a duration string also allow the usual abbreviations (`100ms`, `5 min`).
  static let unitAbbreviations: [String: Int64] = [
    "MS": 1, "MSEC": 1, "MSECS": 1, "S": 1000, "SEC": 1000, "SECS": 1000, "M": 60_000,
    "MIN": 60_000, "MINS": 60_000, "H": 3_600_000, "HR": 3_600_000, "HRS": 3_600_000,
    "D": 86_400_000, "W": 604_800_000,
  ]

  /// `'5 minutes'`, `'1 hour 30 minutes'`, `'100ms'`, `'-2 s'` in milliseconds; `nil` if the
  /// text is not of that form (a bare number has no unit, so it is `nil`).
  static func parseDurationText(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    var i = 0
    var total: Int64 = 0
    var parts = 0
    func skipSpaces() { while i < bytes.count && bytes[i] == 0x20 { i += 1 } }
    skipSpaces()
    var sign = ""
    if i < bytes.count && bytes[i] == UInt8(ascii: "-") {
      sign = "-"
      i += 1
    }
    while true {
      skipSpaces()
      if i == bytes.count { return parts > 0 ? total : nil }
      let numberStart = i
      while i < bytes.count && (Lexer.isDigit(bytes[i]) || bytes[i] == UInt8(ascii: ".")) { i += 1 }
      let number = String(decoding: bytes[numberStart..<i], as: UTF8.self)
      skipSpaces()
      let unitStart = i
      while i < bytes.count && Lexer.isIdentifierStart(bytes[i]) { i += 1 }
      let word = Token.uppercased(String(decoding: bytes[unitStart..<i], as: UTF8.self))
      guard let unit = unitWords[word] ?? unitAbbreviations[word],
        let millis = scale(sign + number, by: unit)
      else { return nil }
      let (sum, overflow) = total.addingReportingOverflow(millis)
      if overflow { return nil }
      total = sum
      parts += 1
    }
  }

  /// `amount` (`5`, `-1.5`) times `unit` milliseconds, rounded; `nil` on overflow or bad text.
  static func scale(_ amount: String, by unit: Int64) -> Int64? {
    var text = Substring(amount)
    let negative = text.first == "-"
    if negative { text = text.dropFirst() }
    guard let (whole, fraction) = splitNumber(String(text)) else { return nil }
    let (product, overflow) = whole.multipliedReportingOverflow(by: unit)
    if overflow { return nil }
    var millis = product
    if !fraction.isEmpty {
      guard let fractionValue = Double("0." + fraction) else { return nil }
      millis += Int64((fractionValue * Double(unit)).rounded())
    }
    return negative ? -millis : millis
  }

  /// `"12.5"` → (12, "5"); `nil` unless the text is digits with at most one `.`.
  static func splitNumber(_ text: String) -> (Int64, Substring)? {
    let trimmed = text.trimmingSpace
    let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let first = parts.first, !trimmed.isEmpty,
      parts.allSatisfy({ $0.utf8.allSatisfy(Lexer.isDigit) })
    else { return nil }
    let whole = first.isEmpty ? 0 : Int64(first)
    guard let whole else { return nil }
    return (whole, parts.count > 1 ? parts[1] : "")
  }
}

extension String {
  /// The text without leading and trailing spaces.
  var trimmingSpace: String {
    var scalars = Substring(self)
    while scalars.first == " " { scalars = scalars.dropFirst() }
    while scalars.last == " " { scalars = scalars.dropLast() }
    return String(scalars)
  }
}
