import SQLParser

/// Deduplication of a declared stream, bound: rows whose key repeats within an event-time span
/// of its last kept occurrence are dropped before any query sees them (issue 6, part 4).
///
///     CREATE STREAM orders WITH (source = 'orders.ndjson', timestamp = 'ts',
///                                dedupe_key = 'order_id', dedupe_within = '10 minutes')
///
/// The rule, applied in arrival order by the executor's `Deduplicator`: a row with key k and
/// time t is a duplicate when an earlier kept row had key k at time t₀ with |t − t₀| ≤ span and
/// that key is still remembered. A key is forgotten once the stream's largest event time M so
/// far exceeds t₀ + span (grace is not involved, so every query reading the stream drops the
/// same rows). Consequences: the first occurrence is kept (ksqlDB and Flink's keep-first); a
/// repeat after the span is kept and becomes the key's new occurrence; NULL keys are never
/// duplicates; a row whose key cannot be computed is a bad row. Dropped rows never reach the
/// watermark, WHERE or windows.
public struct DedupePlan: Sendable, Equatable {
  /// The key, over the scanned row (usually a field).
  public var key: BoundExpr
  /// The stream's own `timestamp` expression (a query's TIMESTAMP BY does not change it).
  public var time: BoundExpr
  public var withinMillis: Int64

  public init(key: BoundExpr, time: BoundExpr, withinMillis: Int64) {
    self.key = key
    self.time = time
    self.withinMillis = withinMillis
  }
}

/// `dedupe_key` and `dedupe_within` as written in a stream's options, parsed but not bound.
public struct DedupeOptions: Sendable, Equatable {
  public static let names = ["dedupe_key", "dedupe_within"]

  public var key: Expr
  public var withinMillis: Int64

  /// Reads the dedupe options of `options`; nil when there are none. Both must be present,
  /// the key an expression in a string and the span a positive duration.
  public static func parse(_ options: [StreamOption], span: SourceSpan) throws(Diagnostic)
    -> DedupeOptions?
  {
    var key: Expr?
    var within: Int64?
    for option in options {
      switch option.key.lowercased() {
      case "dedupe_key":
        guard case .string(let text) = option.value else {
          throw Diagnostic(
            "dedupe_key must be a string holding an expression, e.g. dedupe_key = 'event_id'",
            span: option.span)
        }
        do {
          key = try Parser.parseExpression(text)
        } catch {
          throw Diagnostic(
            "dedupe_key '\(text)' is not an expression: \(error.message)", span: option.span)
        }
      case "dedupe_within":
        within = try duration(option)
      default:
        continue
      }
    }
    switch (key, within) {
    case (nil, nil): return nil
    case (let k?, let w?): return DedupeOptions(key: k, withinMillis: w)
    case (nil, _):
      throw Diagnostic(
        "dedupe_within needs dedupe_key = 'field' naming what identifies a row", span: span)
    case (_, nil):
      throw Diagnostic("dedupe_key needs dedupe_within = 'duration', e.g. '10 minutes'", span: span)
    }
  }

  private static func duration(_ option: StreamOption) throws(Diagnostic) -> Int64 {
    let bad = Diagnostic(
      "dedupe_within must be a positive duration such as '10 minutes' or '30s'", span: option.span)
    switch option.value {
    case .interval(let ms):
      guard ms > 0 else { throw bad }
      return ms
    case .string(let text):
      // The INTERVAL grammar already knows every unit spelling ('10 minutes', '1 HOUR').
      let spelled = String(
        text.filter { $0 != "'" }.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
      if let ms = try? Parser.parseExpression("INTERVAL '\(spelled)'"),
        case .literal(.interval(let v)) = ms.kind, v > 0
      {
        return v
      }
      if let ms = shortDuration(spelled), ms > 0 { return ms }
      throw bad
    default:
      throw bad
    }
  }

  /// `200ms`, `30s`, `10m`, `2h`, `1d`.
  private static func shortDuration(_ text: String) -> Int64? {
    let digits = text.prefix { $0.isNumber }
    guard let n = Int64(digits) else { return nil }
    let scale: Int64
    switch text.dropFirst(digits.count).lowercased() {
    case "ms": scale = 1
    case "s": scale = 1000
    case "m": scale = 60_000
    case "h": scale = 3_600_000
    case "d": scale = 86_400_000
    default: return nil
    }
    let (v, overflow) = n.multipliedReportingOverflow(by: scale)
    return overflow ? nil : v
  }
}
