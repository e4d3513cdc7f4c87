import Planner
import SQLParser

/// `CAST(x AS type)`: conversions between values.
extension ValueOps {
  /// `v` converted to `type`, or nil when it cannot be (the caller makes that a `RowError` for
  /// CAST and NULL for TRY_CAST). NULL casts to NULL.
  ///
  /// - BOOLEAN: from `true`/`false`/`t`/`f`/`1`/`0` (any case, spaces trimmed) and from numbers
  ///   (non-zero is true; NaN fails).
  /// - BIGINT: from integer text (spaces trimmed, optional sign; `'1.5'` fails); from DOUBLE by
  ///   rounding half away from zero, failing outside the BIGINT range; from BOOLEAN as 1/0.
  /// - DOUBLE: from numbers, decimal text (`'1e3'`, `'nan'`; not hex), BOOLEAN as 1/0.
  /// - VARCHAR: the canonical text (`ValueOps.text`).
  /// - TIMESTAMP: from ISO-8601 text; from a number by the epoch rule of SPEC 4.
  /// - INTERVAL: from text such as `'5 minutes'`, `'1 hour 30 minutes'`, `'01:30:00'`.
  /// - JSON: from text that is a JSON object or array.
  /// A TIMESTAMP or INTERVAL does not cast to a number (use `epoch_ms`).
  public static func cast(_ v: Value, to type: TypeName) -> Value? {
    if v.isNull { return .null }
    switch type {
    case .varchar:
      return text(v).map(Value.string)
    case .boolean:
      switch v {
      case .bool: return v
      case .int(let n): return .bool(n != 0)
      case .double(let d): return d.isNaN ? nil : .bool(d != 0)
      case .string(let s):
        switch trimmed(s).lowercased() {
        case "true", "t", "1": return .bool(true)
        case "false", "f", "0": return .bool(false)
        default: return nil
        }
      default: return nil
      }
    case .bigint:
      switch v {
      case .int: return v
      case .bool(let b): return .int(b ? 1 : 0)
      case .double(let d): return bigint(d)
      case .string(let s): return Int64(trimmed(s)).map(Value.int)
      default: return nil
      }
    case .double:
      switch v {
      case .double: return v
      case .int(let n): return .double(Double(n))
      case .bool(let b): return .double(b ? 1 : 0)
      case .string(let s): return parseDouble(trimmed(s)).map(Value.double)
      default: return nil
      }
    case .timestamp:
      switch v {
      case .timestamp: return v
      case .int(let n): return Timestamp.fromEpoch(n).map(Value.timestamp)
      case .double(let d): return Timestamp.fromEpoch(d).map(Value.timestamp)
      case .string(let s): return Timestamp.parse(trimmed(s)).map(Value.timestamp)
      default: return nil
      }
    case .interval:
      switch v {
      case .interval: return v
      case .string(let s): return parseInterval(s).map(Value.interval)
      default: return nil
      }
    case .json:
      switch v {
      case .json: return v
      case .string(let s): return JSONPathReader.isDocument(s) ? .json(trimmed(s)) : nil
      default: return nil
      }
    }
  }

  /// A DOUBLE rounded half away from zero to a BIGINT, or nil outside the range.
  static func bigint(_ d: Double) -> Value? {
    let r = d.rounded(.toNearestOrAwayFromZero)
    guard r.isFinite, r >= -9_223_372_036_854_775_808.0, r < 9_223_372_036_854_775_808.0 else {
      return nil
    }
    return .int(Int64(r))
  }

  static func trimmed(_ s: String) -> String {
    ScalarFunction.trim(s, nil, leading: true, trailing: true)
  }

  /// Milliseconds of an interval written as `N unit [N unit ...]` (units from milliseconds to
  /// weeks, singular, plural or abbreviated) or `[-]HH:MM[:SS[.fff]]`; nil when malformed.
  public static func parseInterval(_ text: String) -> Int64? {
    let s = trimmed(text)
    if s.contains(":") {
      let negative = s.hasPrefix("-")
      let parts = (negative ? String(s.dropFirst()) : s).split(
        separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2 || parts.count == 3, let h = Int64(parts[0]), let m = Int64(parts[1]),
        m < 60
      else {
        return nil
      }
      var ms = h * 3_600_000 + m * 60_000
      if parts.count == 3 {
        guard let sec = parseDouble(String(parts[2])), sec >= 0, sec < 60 else { return nil }
        ms += Int64((sec * 1000).rounded())
      }
      return negative ? -ms : ms
    }
    let words = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard !words.isEmpty, words.count % 2 == 0 else { return nil }
    var total: Int64 = 0
    for k in stride(from: 0, to: words.count, by: 2) {
      guard let n = parseDouble(String(words[k])), let unit = unitMillis(words[k + 1].lowercased())
      else {
        return nil
      }
      let ms = (n * Double(unit)).rounded()
      guard ms.isFinite, Swift.abs(ms) < 9.2e18 else { return nil }
      let (sum, overflow) = total.addingReportingOverflow(Int64(ms))
      guard !overflow else { return nil }
      total = sum
    }
    return total
  }

  private static func unitMillis(_ unit: String) -> Int64? {
    switch unit {
    case "ms", "msec", "millisecond", "milliseconds": return 1
    case "s", "sec", "secs", "second", "seconds": return 1000
    case "m", "min", "mins", "minute", "minutes": return 60_000
    case "h", "hr", "hrs", "hour", "hours": return 3_600_000
    case "d", "day", "days": return 86_400_000
    case "w", "week", "weeks": return 604_800_000
    default: return nil
    }
  }
}
