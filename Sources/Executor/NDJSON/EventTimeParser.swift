import Planner

/// `Timestamp.parse` for the one shape event times nearly always have,
/// `2026-11-26T08:00:00.318Z`, with the minute and the day of the last times seen remembered.
///
/// The general parser spent some 330 instructions per line on such a value, a third of it in
/// the calendar arithmetic for a date that changes once a day. Here the time of day is checked
/// and read eight bytes at a time, and the date's first milliseconds come from a one-entry cache
/// keyed by its ten bytes. A second one-entry cache, keyed by the first sixteen bytes (date,
/// hour and minute, already checked), gives the minute's first milliseconds, so that a time in
/// the same minute as the last one costs only the check of its last eight bytes. Anything
/// else, and every date not cached yet, goes to `Timestamp.parse` itself; for this shape both
/// compute the same thing (the same range checks: month 1–12, day 1–31, hour < 24,
/// minute < 60, second < 61; the same sum).
struct EventTimeParser {
  /// The bytes of the cached date, `YYYY-MM-DD`, as eight and two bytes; `dayWord == 0` while
  /// empty (no date's bytes are all zero).
  private var dayWord: UInt64 = 0
  private var dayTail: UInt16 = 0
  private var dayMillis: Int64 = 0
  /// The first sixteen bytes of the cached minute, `YYYY-MM-DDTHH:MM`, as two words;
  /// `minuteWord == 0` while empty.
  private var minuteWord: UInt64 = 0
  private var minuteMiddle: UInt64 = 0
  private var minuteMillis: Int64 = 0

  /// The time of `p[start..<end]`, or nil when it is not a timestamp.
  ///
  /// The time of day is checked and read eight bytes at a time (SWAR): bytes 8–15 are
  /// `DDTHH:MM`, bytes 16–23 `:SS.mmmZ`; separators are compared under a mask, and a digit lane
  /// is a byte `0x30 + d` with `d < 10`.
  @inline(__always)
  mutating func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    let b = p + start
    guard end &- start == 24 else { return Self.general(b, end &- start) }
    let raw = UnsafeRawPointer(b)
    let word = raw.loadUnaligned(as: UInt64.self)
    let middle = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    let last = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
    // Little-endian lanes: byte k of a word is bits 8k..<8k+8.
    // middle: D D T H H : M M  — separators in lanes 2 and 5, time digits in 3, 4, 6, 7.
    // last:   : S S . m m m Z  — separators in lanes 0, 3 and 7, digits in 1, 2, 4, 5, 6.
    let middleSeparators: UInt64 = 0x0000_FF00_00FF_0000
    let middlePattern: UInt64 = 0x0000_3A00_0054_0000  // 'T' 0x54, ':' 0x3A
    let middleDigits: UInt64 = 0xFFFF_00FF_FF00_0000
    // Checked in the order of the general case below: the bytes, then the ranges.
    guard let (second, millis) = Self.secondAndMillis(last) else { return Self.general(b, 24) }
    // The same first sixteen bytes as a time already read: date, hour and minute are valid.
    // (An empty cache holds zeros, which no valid time has: hence the test of `word`.)
    if word == minuteWord && middle == minuteMiddle && word != 0 {
      guard second < 61 else { return nil }
      return minuteMillis &+ second &* 1000 &+ millis
    }
    guard middle & middleSeparators == middlePattern, Self.digits(middle, middleDigits) else {
      return Self.general(b, 24)
    }
    // Pairs of digits in one multiply, as in `secondAndMillis`.
    let m = (middle &- (0x3030_3030_3030_3030 & middleDigits)) & middleDigits
    let mp = m &* 10 &+ (m &>> 8)
    let hour = Self.lane(mp, 3)
    let minute = Self.lane(mp, 6)
    guard hour < 24 && minute < 60 && second < 61 else { return nil }
    let tail = UInt16(truncatingIfNeeded: middle)
    if word != dayWord || tail != dayTail {
      guard let day = Self.dayMillis(b) else { return Self.general(b, 24) }
      dayWord = word
      dayTail = tail
      dayMillis = day
    }
    let minuteStart =
      dayMillis &+ hour &* Timestamp.millisPerHour &+ minute &* Timestamp.millisPerMinute
    minuteWord = word
    minuteMiddle = middle
    minuteMillis = minuteStart
    return minuteStart &+ second &* 1000 &+ millis
  }

  /// `parse` for a time in the minute cached last: its time when `p[start..<end]` has the
  /// common shape and the same first sixteen bytes as that minute, else nil, and then `parse`
  /// decides (a nil here says nothing about the string).
  ///
  /// The cache hit of `parse` alone, reading only what it reads (the bytes and three cached
  /// words) and writing nothing, so that a caller can try it without `parse`'s frame.
  @inline(__always)
  func sameMinute(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    guard end &- start == 24 else { return nil }
    let raw = UnsafeRawPointer(p + start)
    let word = raw.loadUnaligned(as: UInt64.self)
    let middle = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    guard word == minuteWord && middle == minuteMiddle && word != 0 else { return nil }
    let last = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
    guard let (second, millis) = Self.secondAndMillis(last), second < 61 else { return nil }
    return minuteMillis &+ second &* 1000 &+ millis
  }

  /// `sameMinute` for a string whose closing quote is not yet found: the time when the 24
  /// bytes at `start` are one in the minute cached last and a quote follows them, else nil.
  ///
  /// Such a string ends at that quote: the 16 bytes equal to the cached ones were checked as
  /// digits and separators when cached, and `secondAndMillis` checks the last eight, so none
  /// of the 24 is a quote, a backslash, a control or a non-ASCII byte. The caller may so skip
  /// the search for the quote; on nil it searches and decides as before.
  @inline(__always)
  func sameMinuteString(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int64? {
    guard start &+ 25 <= n, p[start &+ 24] == UInt8(ascii: "\"") else { return nil }
    return sameMinute(p, start, start &+ 24)
  }

  /// The second (not range-checked) and millisecond of `last`, bytes 16–23 of a time,
  /// `:SS.mmmZ` (separators in lanes 0, 3 and 7, digits in 1, 2, 4, 5, 6); nil when it does not
  /// have that shape.
  @inline(__always)
  static func secondAndMillis(_ last: UInt64) -> (Int64, Int64)? {
    let lastSeparators: UInt64 = 0xFF00_0000_FF00_00FF
    let lastPattern: UInt64 = 0x5A00_0000_2E00_003A  // ':' '.' 'Z'
    let lastDigits: UInt64 = 0x00FF_FFFF_00FF_FF00
    guard last & lastSeparators == lastPattern, digits(last, lastDigits) else { return nil }
    // The digits as numbers 0–9, every other lane zero. Pairs of digits in one multiply: lane
    // k of `d * 10 + d >> 8` is 10 × digit k + digit k + 1, at most 99, so no lane carries
    // into the next.
    let l = (last &- (0x3030_3030_3030_3030 & lastDigits)) & lastDigits
    let lp = l &* 10 &+ (l &>> 8)
    return (lane(lp, 1), lane(lp, 4) &* 10 &+ lane(l, 6))
  }

  /// Byte `k` of `w` as a number.
  @inline(__always)
  static func lane(_ w: UInt64, _ k: UInt64) -> Int64 {
    Int64(truncatingIfNeeded: (w &>> (k &* 8)) & 0xFF)
  }

  /// True when every lane of `word` under `mask` (whole bytes) is an ASCII digit.
  @inline(__always)
  private static func digits(_ word: UInt64, _ mask: UInt64) -> Bool {
    let high = 0xF0F0_F0F0_F0F0_F0F0 & mask
    let t = word & mask
    // 0x30–0x3F have high nibble 3; of those, adding 6 keeps 0x30–0x39 (only) below 0x40.
    // The lanes are checked first, so the addition cannot carry between them.
    return t & high == 0x3030_3030_3030_3030 & mask
      && (t &+ (0x0606_0606_0606_0606 & mask)) & high == 0x3030_3030_3030_3030 & mask
  }

  /// `Timestamp.parse`, for every shape but the common one.
  private static func general(_ b: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
    Timestamp.parse(UnsafeRawBufferPointer(start: b, count: count))
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
