import Planner

/// strftime-style formatting and parsing of timestamps, for `format_timestamp` (alias
/// `strftime`) and `to_timestamp(text, format)`.
///
/// Directives: `%Y` year, `%y` two-digit year (69–99 → 19xx), `%m` month, `%d` day, `%e` day
/// (space-padded), `%H` hour, `%I` 12-hour hour with `%p` AM/PM, `%M` minute, `%S` second,
/// `%f` fraction as microseconds (6 digits when formatting; 1–9 digits when parsing), `%g`
/// milliseconds (3 digits), `%j` day of the year, `%a`/`%A` weekday and `%b`/`%B` month names,
/// `%u` ISO weekday (Monday = 1), `%w` weekday (Sunday = 0), `%z` zone offset (`+0000`; parses
/// `Z`, `+hh`, `+hhmm`, `+hh:mm`), `%Z` zone name (`UTC`), `%s` epoch seconds, `%F` = `%Y-%m-%d`,
/// `%T` = `%H:%M:%S`, `%%`. Times are UTC. When parsing, a space in the format matches any run
/// of whitespace, and the text must be consumed entirely.
public enum TimestampFormat {
  static let monthNames = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
  ]
  static let weekdayNames = [
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
  ]

  /// `ms` rendered with `format`.
  ///
  /// - Throws: `RowError` for an unknown directive.
  public static func format(_ ms: Int64, format: String) throws(RowError) -> String {
    let days = Timestamp.floorDiv(ms, Timestamp.millisPerDay)
    let inDay = ms - days * Timestamp.millisPerDay
    let (y, m, d) = Timestamp.civil(days: days)
    let hour = inDay / Timestamp.millisPerHour
    let minute = inDay / Timestamp.millisPerMinute % 60
    let second = inDay / 1000 % 60
    let milli = inDay % 1000
    let weekday = days + 3 - Timestamp.floorDiv(days + 3, 7) * 7  // Monday = 0
    var out = ""
    func pad(_ v: Int64, _ width: Int, _ fill: Character = "0") {
      let text = String(Swift.abs(v))
      if v < 0 { out += "-" }
      if text.count < width { out += String(repeating: fill, count: width - text.count) }
      out += text
    }
    var scalars = format.unicodeScalars.makeIterator()
    while let c = scalars.next() {
      guard c == "%" else {
        out.unicodeScalars.append(c)
        continue
      }
      guard let directive = scalars.next() else { throw RowError("format ends with '%'") }
      switch directive {
      case "Y": pad(y, 4)
      case "y": pad((y % 100 + 100) % 100, 2)
      case "m": pad(m, 2)
      case "d": pad(d, 2)
      case "e": pad(d, 2, " ")
      case "H": pad(hour, 2)
      case "I": pad(hour % 12 == 0 ? 12 : hour % 12, 2)
      case "p": out += hour < 12 ? "AM" : "PM"
      case "M": pad(minute, 2)
      case "S": pad(second, 2)
      case "f": pad(milli * 1000, 6)
      case "g": pad(milli, 3)
      case "j": pad(days - Timestamp.days(year: y, month: 1, day: 1) + 1, 3)
      case "a": out += weekdayNames[Int(weekday)].prefix(3)
      case "A": out += weekdayNames[Int(weekday)]
      case "b": out += monthNames[Int(m - 1)].prefix(3)
      case "B": out += monthNames[Int(m - 1)]
      case "u": out += String(weekday + 1)
      case "w": out += String((weekday + 1) % 7)
      case "z": out += "+0000"
      case "Z": out += "UTC"
      case "s": out += String(Timestamp.floorDiv(ms, 1000))
      case "F": out += try Self.format(ms, format: "%Y-%m-%d")
      case "T": out += try Self.format(ms, format: "%H:%M:%S")
      case "%": out += "%"
      default: throw RowError("unknown format directive '%\(directive)'")
      }
    }
    return out
  }

  /// The time that `text` spells in `format`, or nil when it does not match.
  ///
  /// - Throws: `RowError` for an unknown directive.
  public static func parse(_ text: String, format: String) throws(RowError) -> Int64? {
    let input = Array(text.unicodeScalars)
    var i = 0
    var year: Int64 = 1970
    var month: Int64 = 1
    var day: Int64 = 1
    var dayOfYear: Int64? = nil
    var hour: Int64 = 0
    var minute: Int64 = 0
    var second: Int64 = 0
    var milli: Int64 = 0
    var pm: Bool? = nil
    var offset: Int64 = 0
    var epoch: Int64? = nil

    func number(_ maxDigits: Int, signed: Bool = false) -> Int64? {
      var negative = false
      if signed, i < input.count, input[i] == "-" || input[i] == "+" {
        negative = input[i] == "-"
        i += 1
      }
      var v: Int64 = 0
      var n = 0
      while n < maxDigits, i < input.count, let digit = input[i].digitValue {
        v = v * 10 + Int64(digit)
        n += 1
        i += 1
      }
      return n == 0 ? nil : negative ? -v : v
    }
    func name(_ names: [String]) -> Int? {
      for (index, full) in names.enumerated() {
        for candidate in [full, String(full.prefix(3))] {
          let scalars = Array(candidate.lowercased().unicodeScalars)
          guard i + scalars.count <= input.count else { continue }
          let slice = String(String.UnicodeScalarView(input[i..<i + scalars.count])).lowercased()
          if Array(slice.unicodeScalars) == scalars {
            i += scalars.count
            return index
          }
        }
      }
      return nil
    }

    let expanded = format.replacing("%F", with: "%Y-%m-%d").replacing("%T", with: "%H:%M:%S")
    var scalars = expanded.unicodeScalars.makeIterator()
    while let c = scalars.next() {
      if c.properties.isWhitespace {
        while i < input.count, input[i].properties.isWhitespace { i += 1 }
        continue
      }
      guard c == "%" else {
        guard i < input.count, input[i] == c else { return nil }
        i += 1
        continue
      }
      guard let directive = scalars.next() else { throw RowError("format ends with '%'") }
      switch directive {
      case "Y":
        guard let v = number(4, signed: true) else { return nil }
        year = v
      case "y":
        guard let v = number(2) else { return nil }
        year = v < 69 ? 2000 + v : 1900 + v
      case "m":
        guard let v = number(2) else { return nil }
        month = v
      case "d", "e":
        while i < input.count, input[i] == " " { i += 1 }
        guard let v = number(2) else { return nil }
        day = v
      case "H", "I":
        guard let v = number(2) else { return nil }
        hour = v
      case "M":
        guard let v = number(2) else { return nil }
        minute = v
      case "S":
        guard let v = number(2) else { return nil }
        second = v
      case "f", "g":
        let start = i
        guard let v = number(9) else { return nil }
        var scaled = v
        var digits = i - start
        while digits < 3 {
          scaled *= 10
          digits += 1
        }
        while digits > 3 {
          scaled /= 10
          digits -= 1
        }
        milli = scaled
      case "j":
        guard let v = number(3) else { return nil }
        dayOfYear = v
      case "a", "A": guard name(weekdayNames) != nil else { return nil }
      case "b", "B", "h":
        guard let index = name(monthNames) else { return nil }
        month = Int64(index + 1)
      case "p":
        guard let index = name(["AM", "PM"]) else { return nil }
        pm = index == 1
      case "z":
        guard i < input.count else { return nil }
        if input[i] == "Z" || input[i] == "z" {
          i += 1
        } else {
          guard input[i] == "+" || input[i] == "-" else { return nil }
          let sign: Int64 = input[i] == "-" ? -1 : 1
          i += 1
          guard let h = number(2) else { return nil }
          if i < input.count, input[i] == ":" { i += 1 }
          let mm = number(2) ?? 0
          guard h < 24, mm < 60 else { return nil }
          offset = sign * (h * Timestamp.millisPerHour + mm * Timestamp.millisPerMinute)
        }
      case "Z":
        while i < input.count, input[i].properties.isAlphabetic { i += 1 }
      case "s":
        guard let v = number(19, signed: true) else { return nil }
        epoch = v
      case "%":
        guard i < input.count, input[i] == "%" else { return nil }
        i += 1
      default: throw RowError("unknown format directive '%\(directive)'")
      }
    }
    guard i == input.count else { return nil }
    if let epoch {
      let (r, overflow) = epoch.multipliedReportingOverflow(by: 1000)
      return overflow ? nil : r + milli
    }
    if let pm {
      guard hour >= 1 && hour <= 12 else { return nil }
      hour = hour % 12 + (pm ? 12 : 0)
    }
    guard hour < 24, minute < 60, second < 61 else { return nil }
    var days: Int64
    if let dayOfYear {
      guard dayOfYear >= 1 && dayOfYear <= 366 else { return nil }
      days = Timestamp.days(year: year, month: 1, day: 1) + dayOfYear - 1
    } else {
      guard month >= 1 && month <= 12 && day >= 1 && day <= 31 else { return nil }
      days = Timestamp.days(year: year, month: month, day: day)
      // Reject dates such as February 30 that would roll into the next month.
      guard Timestamp.civil(days: days).month == month else { return nil }
    }
    return days * Timestamp.millisPerDay + hour * Timestamp.millisPerHour + minute
      * Timestamp.millisPerMinute
      + second * 1000 + milli - offset
  }
}

extension Unicode.Scalar {
  /// 0–9 for an ASCII digit, else nil.
  fileprivate var digitValue: Int? {
    value >= 48 && value <= 57 ? Int(value - 48) : nil
  }
}
