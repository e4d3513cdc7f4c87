import Planner

/// `Timestamp.parse` for the one shape event times nearly always have,
/// `2026-11-26T08:00:00.318Z`, with the day of the last date seen remembered.
///
/// The general parser spent some 330 instructions per line on such a value, a third of it in
/// the calendar arithmetic for a date that changes once a day. Here the 24 bytes are checked
/// position by position and the date's first milliseconds come from a one-entry cache keyed by
/// its ten bytes. Anything else, and every date not cached yet, goes to `Timestamp.parse`
/// itself; for this shape both compute the same thing (the same range checks: month 1–12,
/// day 1–31, hour < 24, minute < 60, second < 61; the same sum).
struct EventTimeParser {
  /// The bytes of the cached date, `YYYY-MM-DD`, as eight and two bytes; `dayWord == 0` while
  /// empty (no date's bytes are all zero).
  private var dayWord: UInt64 = 0
  private var dayTail: UInt16 = 0
  private var dayMillis: Int64 = 0

  /// The time of `p[start..<end]`, or nil when it is not a timestamp.
  @inline(__always)
  mutating func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    let b = p + start
    @inline(__always) func digit(_ k: Int) -> Int64? {
      let d = b[k] &- 0x30
      return d < 10 ? Int64(d) : nil
    }
    guard end &- start == 24, b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
      b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."), b[23] == UInt8(ascii: "Z"),
      let h1 = digit(11), let h2 = digit(12), let m1 = digit(14), let m2 = digit(15),
      let s1 = digit(17), let s2 = digit(18), let f1 = digit(20), let f2 = digit(21),
      let f3 = digit(22)
    else {
      return Timestamp.parse(UnsafeRawBufferPointer(start: b, count: end &- start))
    }
    let hour = h1 * 10 + h2
    let minute = m1 * 10 + m2
    let second = s1 * 10 + s2
    guard hour < 24 && minute < 60 && second < 61 else { return nil }
    let raw = UnsafeRawPointer(b)
    let word = raw.loadUnaligned(as: UInt64.self)
    let tail = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
    if word != dayWord || tail != dayTail {
      guard let day = Self.dayMillis(b) else {
        return Timestamp.parse(UnsafeRawBufferPointer(start: b, count: end &- start))
      }
      dayWord = word
      dayTail = tail
      dayMillis = day
    }
    return dayMillis + hour * Timestamp.millisPerHour + minute * Timestamp.millisPerMinute
      + second * 1000 + f1 * 100 + f2 * 10 + f3
  }

  /// The first millisecond of the date `YYYY-MM-DD` at `b`, or nil when it is not one.
  private static func dayMillis(_ b: UnsafePointer<UInt8>) -> Int64? {
    var digits: [Int64] = []
    for k in [0, 1, 2, 3, 5, 6, 8, 9] {
      let d = b[k] &- 0x30
      guard d < 10 else { return nil }
      digits.append(Int64(d))
    }
    guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
    let year = ((digits[0] * 10 + digits[1]) * 10 + digits[2]) * 10 + digits[3]
    let month = digits[4] * 10 + digits[5]
    let day = digits[6] * 10 + digits[7]
    guard month >= 1 && month <= 12 && day >= 1 && day <= 31 else { return nil }
    return Timestamp.days(year: year, month: month, day: day) * Timestamp.millisPerDay
  }
}
