import Planner

/// The time functions.
///
/// Every function that takes a timestamp also takes what converts to one (SPEC 4): an
/// ISO-8601 string, an epoch number (below 10^11 seconds, else milliseconds) or a string holding
/// such a number. What does not convert gives NULL, which the engine reports as a bad event time
/// where one is needed; a malformed unit or format is a `RowError`.
extension ScalarFunction {
  func evaluateTime(_ args: [Value], now: Int64) throws(RowError) -> Value {
    switch self {
    case .now:
      return .timestamp(now)
    case .toTimestamp:
      if args.count == 1 { return Self.timestampArgument(args[0]).map(Value.timestamp) ?? .null }
      guard case .string(let second) = args[1] else { return .null }
      if let scale = Self.epochScale(second) {
        return Self.fromEpoch(args[0], millisPer: scale).map(Value.timestamp) ?? .null
      }
      guard case .string(let text) = args[0] else { return .null }
      return try TimestampFormat.parse(text, format: second).map(Value.timestamp) ?? .null
    case .dateTrunc:
      guard case .string(let unit) = args[0] else { return .null }
      guard
        let truncation = TimeTruncation(rawValue: unit.lowercased()) ?? TimeTruncation.plural(unit)
      else {
        throw RowError("unknown date_trunc unit '\(unit)'")
      }
      guard let ms = Self.timestampArgument(args[1]) else { return .null }
      return .timestamp(truncation.truncate(ms))
    case .formatTimestamp:
      guard let ms = Self.timestampArgument(args[0]), case .string(let format) = args[1] else {
        return .null
      }
      return .string(try TimestampFormat.format(ms, format: format))
    case .epochMs:
      return Self.timestampArgument(args[0]).map(Value.int) ?? .null
    case .epoch:
      return Self.timestampArgument(args[0]).map { .double(Double($0) / 1000) } ?? .null
    default:
      return .null
    }
  }

  /// A value as milliseconds since the epoch per SPEC 4, or nil when it is not a time.
  public static func timestampArgument(_ v: Value) -> Int64? {
    switch v {
    case .timestamp(let ms): return ms
    case .int(let n): return Timestamp.fromEpoch(n)
    case .double(let d): return Timestamp.fromEpoch(d)
    case .string(let s):
      if let ms = Timestamp.parse(s) { return ms }
      let trimmed = trim(s, nil, leading: true, trailing: true)
      if let n = Int64(trimmed) { return Timestamp.fromEpoch(n) }
      if let d = ValueOps.parseDouble(trimmed) { return Timestamp.fromEpoch(d) }
      return nil
    default: return nil
    }
  }

  /// Milliseconds per unit for `to_timestamp(x, unit)`: seconds, milliseconds or microseconds
  /// (the microsecond scale is stored as a negative divisor).
  private static func epochScale(_ unit: String) -> Int64? {
    switch unit.lowercased() {
    case "s", "sec", "second", "seconds": return 1000
    case "ms", "millisecond", "milliseconds": return 1
    case "us", "microsecond", "microseconds": return -1000
    default: return nil
    }
  }

  /// An epoch number (or numeric string) in the given unit, floored to whole milliseconds.
  private static func fromEpoch(_ v: Value, millisPer scale: Int64) -> Int64? {
    var number = v
    if case .string(let s) = v {
      let t = trim(s, nil, leading: true, trailing: true)
      if let n = Int64(t) {
        number = .int(n)
      } else if let d = ValueOps.parseDouble(t) {
        number = .double(d)
      }
    }
    switch number {
    case .int(let n):
      if scale < 0 { return Timestamp.floorDiv(n, -scale) }
      let (r, overflow) = n.multipliedReportingOverflow(by: scale)
      return overflow ? nil : r
    case .double(let d):
      let ms = (scale < 0 ? d / Double(-scale) : d * Double(scale)).rounded(.down)
      guard ms.isFinite, Swift.abs(ms) < 9.2e18 else { return nil }
      return Int64(ms)
    default:
      return nil
    }
  }
}

/// A unit of `date_trunc`: the start of the second, minute, ..., ISO week (Monday), month,
/// quarter or year (UTC) that contains a time.
public enum TimeTruncation: String, Sendable, CaseIterable {
  case millisecond, second, minute, hour, day, week, month, quarter, year

  /// `minutes`, `hours`, ...: the plural spellings that users type.
  static func plural(_ unit: String) -> TimeTruncation? {
    let lowered = unit.lowercased()
    guard lowered.hasSuffix("s") else { return nil }
    return TimeTruncation(rawValue: String(lowered.dropLast()))
  }

  /// The first millisecond of the unit containing `ms`.
  public func truncate(_ ms: Int64) -> Int64 {
    func floor(_ unit: Int64) -> Int64 { Timestamp.floorDiv(ms, unit) * unit }
    switch self {
    case .millisecond: return ms
    case .second: return floor(Timestamp.millisPerSecond)
    case .minute: return floor(Timestamp.millisPerMinute)
    case .hour: return floor(Timestamp.millisPerHour)
    case .day: return floor(Timestamp.millisPerDay)
    case .week:
      // 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) mod 7.
      let days = Timestamp.floorDiv(ms, Timestamp.millisPerDay)
      let weekday = days + 3 - Timestamp.floorDiv(days + 3, 7) * 7
      return (days - weekday) * Timestamp.millisPerDay
    case .month, .quarter, .year:
      let (y, m, _) = Timestamp.civil(days: Timestamp.floorDiv(ms, Timestamp.millisPerDay))
      let month: Int64 = self == .year ? 1 : self == .quarter ? (m - 1) / 3 * 3 + 1 : m
      return Timestamp.days(year: y, month: month, day: 1) * Timestamp.millisPerDay
    }
  }
}
