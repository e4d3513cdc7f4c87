/// Splits SQL text into tokens.
///
/// The lexer works on the UTF-8 bytes of the text, so every token's span is a pair of byte
/// offsets that the `Diagnostic` renderer maps back to a line and a column. Whitespace,
/// `-- line comments` and `/* block comments */` are skipped. Identifiers may contain any
/// non-ASCII characters; everything else that is not part of the dialect is an error.
///
///     SELECT "user-id", 'it''s' FROM stdin -- comment
///
/// - Complexity: O(n) in the length of the text.
public struct Lexer {
  private let bytes: [UInt8]
  private var position = 0

  /// Creates a lexer over `text`.
  public init(_ text: String) {
    self.bytes = Array(text.utf8)
  }

  /// All tokens of `text`, ending with one `.endOfInput` token.
  public static func tokenize(_ text: String) throws(Diagnostic) -> [Token] {
    var lexer = Lexer(text)
    var tokens: [Token] = []
    while true {
      let token = try lexer.next()
      tokens.append(token)
      if token.isEnd { return tokens }
    }
  }

  /// The next token; `.endOfInput` once the text is exhausted (and on every later call).
  public mutating func next() throws(Diagnostic) -> Token {
    try skipTrivia()
    let start = position
    guard let byte = peek() else {
      return Token(.endOfInput, span: SourceSpan(start: bytes.count, end: bytes.count))
    }
    if Lexer.isIdentifierStart(byte) {
      while let b = peek(), Lexer.isIdentifierPart(b) { position += 1 }
      return Token(.word(text(start, position)), span: span(from: start))
    }
    if Lexer.isDigit(byte) || (byte == UInt8(ascii: ".") && peek(1).map(Lexer.isDigit) == true) {
      return lexNumber()
    }
    switch byte {
    case UInt8(ascii: "'"):
      let value = try lexQuoted(UInt8(ascii: "'"), what: "string literal")
      return Token(.string(value), span: span(from: start))
    case UInt8(ascii: "\""):
      let value = try lexQuoted(UInt8(ascii: "\""), what: "quoted identifier")
      if value.isEmpty {
        throw Diagnostic("empty quoted identifier", span: span(from: start))
      }
      return Token(.quotedIdentifier(value), span: span(from: start))
    default:
      return try lexSymbol()
    }
  }

  // MARK: - Pieces

  /// Skips whitespace and comments; an unterminated block comment is an error.
  private mutating func skipTrivia() throws(Diagnostic) {
    while let byte = peek() {
      switch byte {
      case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
        position += 1
      case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
        while let b = peek(), b != 0x0A { position += 1 }
      case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
        let start = position
        position += 2
        while true {
          guard let b = peek() else {
            throw Diagnostic(
              "unterminated comment", span: SourceSpan(start: start, end: start + 2),
              note: "a '/*' comment needs a closing '*/'")
          }
          if b == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
            position += 2
            break
          }
          position += 1
        }
      default:
        return
      }
    }
  }

  /// `42`, `1.5`, `.5`, `1.`, `2e3`, `1.5E-7`. An `e` not followed by digits is not consumed.
  private mutating func lexNumber() -> Token {
    let start = position
    var isDecimal = false
    while let b = peek(), Lexer.isDigit(b) { position += 1 }
    if peek() == UInt8(ascii: ".") {
      isDecimal = true
      position += 1
      while let b = peek(), Lexer.isDigit(b) { position += 1 }
    }
    if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      var lookahead = 1
      if let sign = peek(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
        lookahead = 2
      }
      if let digit = peek(lookahead), Lexer.isDigit(digit) {
        isDecimal = true
        position += lookahead
        while let b = peek(), Lexer.isDigit(b) { position += 1 }
      }
    }
    let raw = text(start, position)
    return Token(isDecimal ? .decimal(raw) : .integer(raw), span: span(from: start))
  }

  /// The contents of a `'...'` or `"..."` token, with the doubled quote unescaped.
  private mutating func lexQuoted(_ quote: UInt8, what: String) throws(Diagnostic) -> String {
    let start = position
    position += 1
    var content: [UInt8] = []
    while true {
      guard let b = peek() else {
        throw Diagnostic(
          "unterminated \(what)", span: SourceSpan(start: start, end: start + 1),
          note: "no closing \(quote == UInt8(ascii: "'") ? "'" : "\"") before the end of the text")
      }
      position += 1
      if b == quote {
        if peek() == quote {
          content.append(quote)
          position += 1
        } else {
          return String(decoding: content, as: UTF8.self)
        }
      } else {
        content.append(b)
      }
    }
  }

  /// Operators and punctuation; anything else is an `unexpected character` error.
  private mutating func lexSymbol() throws(Diagnostic) -> Token {
    let start = position
    let byte = bytes[position]
    let next = peek(1)
    let symbol: Symbol?
    var length = 1
    switch byte {
    case UInt8(ascii: "+"): symbol = .plus
    case UInt8(ascii: "-"): symbol = .minus
    case UInt8(ascii: "*"): symbol = .star
    case UInt8(ascii: "/"): symbol = .slash
    case UInt8(ascii: "%"): symbol = .percent
    case UInt8(ascii: "="): symbol = .equal
    case UInt8(ascii: "("): symbol = .leftParen
    case UInt8(ascii: ")"): symbol = .rightParen
    case UInt8(ascii: ","): symbol = .comma
    case UInt8(ascii: "."): symbol = .dot
    case UInt8(ascii: "["): symbol = .leftBracket
    case UInt8(ascii: "]"): symbol = .rightBracket
    case UInt8(ascii: ";"): symbol = .semicolon
    case UInt8(ascii: "|"):
      symbol = next == UInt8(ascii: "|") ? .concat : nil
      length = 2
    case UInt8(ascii: ":"):
      symbol = next == UInt8(ascii: ":") ? .doubleColon : nil
      length = 2
    case UInt8(ascii: "!"):
      symbol = next == UInt8(ascii: "=") ? .notEqual : nil
      length = 2
    case UInt8(ascii: "<"):
      if next == UInt8(ascii: "=") {
        symbol = .lessOrEqual
        length = 2
      } else if next == UInt8(ascii: ">") {
        symbol = .notEqual
        length = 2
      } else {
        symbol = .less
      }
    case UInt8(ascii: ">"):
      if next == UInt8(ascii: "=") {
        symbol = .greaterOrEqual
        length = 2
      } else {
        symbol = .greater
      }
    default:
      symbol = nil
    }
    guard let symbol else {
      // Point at one whole character, even a multi-byte one.
      var end = start + 1
      while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
      let character = text(start, end)
      throw Diagnostic(
        "unexpected character '\(character)'", span: SourceSpan(start: start, end: end))
    }
    position += length
    return Token(.symbol(symbol), span: span(from: start))
  }

  // MARK: - Helpers

  private func peek(_ offset: Int = 0) -> UInt8? {
    position + offset < bytes.count ? bytes[position + offset] : nil
  }

  private func text(_ start: Int, _ end: Int) -> String {
    String(decoding: bytes[start..<end], as: UTF8.self)
  }

  private func span(from start: Int) -> SourceSpan {
    SourceSpan(start: start, end: position)
  }

  static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

  /// Letters, `_` and any non-ASCII byte start an identifier.
  static func isIdentifierStart(_ b: UInt8) -> Bool {
    (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b >= 0x80
  }

  static func isIdentifierPart(_ b: UInt8) -> Bool {
    isIdentifierStart(b) || isDigit(b) || b == UInt8(ascii: "$")
  }
}
