/// Conversions between event times (milliseconds since the Unix epoch, UTC) and text.
///
/// Written by hand on the proleptic Gregorian calendar so that the hot path needs no Foundation
/// and no allocation to read an ISO-8601 time.
public enum Timestamp {
  public static let millisPerSecond: Int64 = 1000
  public static let millisPerMinute: Int64 = 60_000
  public static let millisPerHour: Int64 = 3_600_000
  public static let millisPerDay: Int64 = 86_400_000

  /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
  @inlinable public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  /// The civil date of a day count since 1970-01-01.
  @inlinable public static func civil(days z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = z0 + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
  }

  /// Floor division, for bucketing negative times correctly.
  @inlinable public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
  }

  /// `2026-11-26T08:01:00.000Z`
  public static func format(_ ms: Int64) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(24)
    append(ms, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends `2026-11-26T08:01:00.000Z` to `out` without building a String.
  public static func append(_ ms: Int64, to out: inout [UInt8]) {
    let days = floorDiv(ms, millisPerDay)
    var rest = ms - days * millisPerDay
    let (y, m, d) = civil(days: days)
    let hour = rest / millisPerHour
    rest -= hour * millisPerHour
    let minute = rest / millisPerMinute
    rest -= minute * millisPerMinute
    let second = rest / 1000
    let milli = rest % 1000
    if y < 0 || y > 9999 {
      if y < 0 { out.append(UInt8(ascii: "-")) }
      out.append(contentsOf: String(abs(y)).utf8)
    } else {
      digits(y, 4, &out)
    }
    out.append(UInt8(ascii: "-"))
    digits(m, 2, &out)
    out.append(UInt8(ascii: "-"))
    digits(d, 2, &out)
    out.append(UInt8(ascii: "T"))
    digits(hour, 2, &out)
    out.append(UInt8(ascii: ":"))
    digits(minute, 2, &out)
    out.append(UInt8(ascii: ":"))
    digits(second, 2, &out)
    out.append(UInt8(ascii: "."))
    digits(milli, 3, &out)
    out.append(UInt8(ascii: "Z"))
  }

  @inline(__always) static func digits(_ value: Int64, _ count: Int, _ out: inout [UInt8]) {
    var divisor: Int64 = 1
    for _ in 1..<count { divisor *= 10 }
    var v = value
    while divisor > 0 {
      out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v / divisor))
      v %= divisor
      divisor /= 10
    }
  }

  /// Parses an ISO-8601 date-time (`2026-11-26T08:00:00.123Z`, `2026-11-26 08:00:00`,
  /// `2026-11-26T09:00:00+01:00`, `2026-11-26`); no zone means UTC. Nil when unparsable.
  public static func parse(_ text: String) -> Int64? {
    var copy = text
    return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
  }

  /// Parses an ISO-8601 date-time from raw bytes; see `parse(_:)`.
  public static func parse(_ b: UnsafeRawBufferPointer) -> Int64? {
    let n = b.count
    var i = 0
    @inline(__always) func num(_ width: Int) -> Int64? {
      guard i + width <= n else { return nil }
      var v: Int64 = 0
      for k in 0..<width {
        let c = b[i + k]
        guard c >= 48 && c <= 57 else { return nil }
        v = v * 10 + Int64(c - 48)
      }
      i += width
      return v
    }
    @inline(__always) func expect(_ c: UInt8) -> Bool {
      guard i < n, b[i] == c else { return false }
      i += 1
      return true
    }
    guard let year = num(4), expect(45), let month = num(2), expect(45), let day = num(2) else {
      return nil
    }
    guard month >= 1 && month <= 12 && day >= 1 && day <= 31 else { return nil }
    var ms = days(year: year, month: month, day: day) * millisPerDay
    if i == n { return ms }
    guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else {
      return nil
    }
    i += 1
    guard let hour = num(2), expect(58), let minute = num(2) else { return nil }
    var second: Int64 = 0
    if expect(58) {
      guard let s = num(2) else { return nil }
      second = s
    }
    guard hour < 24 && minute < 60 && second < 61 else { return nil }
    ms += hour * millisPerHour + minute * millisPerMinute + second * 1000
    if i < n && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
      i += 1
      var scale: Int64 = 100
      var digitsSeen = 0
      while i < n, b[i] >= 48, b[i] <= 57 {
        ms += Int64(b[i] - 48) * scale
        scale /= 10
        digitsSeen += 1
        i += 1
      }
      guard digitsSeen > 0 else { return nil }
    }
    if i == n { return ms }
    if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
      return i + 1 == n ? ms : nil
    }
    guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return nil }
    let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
    i += 1
    guard let zh = num(2) else { return nil }
    _ = expect(58)
    let zm = num(2) ?? 0
    guard i == n, zh < 24, zm < 60 else { return nil }
    return ms - sign * (zh * millisPerHour + zm * millisPerMinute)
  }

  /// Milliseconds of an epoch number as SPEC 4 reads it: below 10^11 seconds, else milliseconds.
  @inlinable public static func fromEpoch(_ v: Double) -> Int64? {
    guard v.isFinite, abs(v) < 1e17 else { return nil }
    if abs(v) < 1e11 { return Int64((v * 1000).rounded(.down)) }
    return Int64(v.rounded(.down))
  }

  @inlinable public static func fromEpoch(_ v: Int64) -> Int64? {
    if v > -100_000_000_000 && v < 100_000_000_000 { return v * 1000 }
    return v
  }
}
