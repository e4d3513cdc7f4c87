import Planner

/// `EXTRACT(field FROM ts)` on UTC timestamps, with PostgreSQL's field names.
enum TimeField {
  static func extract(_ field: String, from ms: Int64) -> Value {
    let days = Timestamp.floorDiv(ms, Timestamp.millisPerDay)
    let inDay = ms - days * Timestamp.millisPerDay
    let (year, month, day) = Timestamp.civil(days: days)
    // 1970-01-01 was a Thursday: ISO day of week 4.
    let isoDow = ((days % 7) + 7 + 3) % 7 + 1
    switch field {
    case "year": return .int(year)
    case "quarter": return .int((month - 1) / 3 + 1)
    case "month": return .int(month)
    case "day": return .int(day)
    case "hour": return .int(inDay / Timestamp.millisPerHour)
    case "minute": return .int(inDay % Timestamp.millisPerHour / Timestamp.millisPerMinute)
    case "second": return .double(Double(inDay % Timestamp.millisPerMinute) / 1000)
    case "millisecond", "milliseconds": return .int(inDay % Timestamp.millisPerMinute)
    case "epoch": return .double(Double(ms) / 1000)
    case "dow": return .int(isoDow % 7)
    case "isodow": return .int(isoDow)
    case "doy": return .int(days - Timestamp.days(year: year, month: 1, day: 1) + 1)
    case "week":
      // ISO week: the week with the year's first Thursday is week 1.
      let thursday = days - isoDow + 4
      let (isoYear, _, _) = Timestamp.civil(days: thursday)
      return .int((thursday - Timestamp.days(year: isoYear, month: 1, day: 1)) / 7 + 1)
    default: return .null
    }
  }
}
