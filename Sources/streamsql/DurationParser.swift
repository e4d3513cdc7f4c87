/// Durations on the command line: `200ms`, `10s`, `1m`, `2h`, `1d`, or `5 seconds`, `1 minute`.
enum DurationParser {
  static func milliseconds(_ text: String) -> Int64? {
    let trimmed = text.trimmingCharacters(in: " ")
    let digits = trimmed.prefix { $0.isNumber }
    guard !digits.isEmpty, let n = Int64(digits) else { return nil }
    let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: " ").lowercased()
    let scale: Int64
    switch unit {
    case "ms", "millisecond", "milliseconds": scale = 1
    case "", "s", "sec", "second", "seconds": scale = 1000
    case "m", "min", "minute", "minutes": scale = 60_000
    case "h", "hour", "hours": scale = 3_600_000
    case "d", "day", "days": scale = 86_400_000
    default: return nil
    }
    let (v, overflow) = n.multipliedReportingOverflow(by: scale)
    return overflow ? nil : v
  }
}

extension StringProtocol {
  /// The text without leading and trailing `c`.
  func trimmingCharacters(in c: Character) -> String {
    var s = Substring(self)
    while s.first == c { s = s.dropFirst() }
    while s.last == c { s = s.dropLast() }
    return String(s)
  }
}
