/// A clickstream shaped like `../shared/bench/gen_events.py`'s, generated in memory from a seed.
///
/// The same arguments give the same bytes on every machine, so benchmark runs compare like with
/// like and nothing is read from disk or the network. One line per event, about 185 bytes:
///
///     {"ts":"2026-11-26T08:00:00.318Z","user_id":"u19023","event":"page_view",
///      "url":"/product/2688","status":200,"amount":null,"latency_ms":48.0,"country":"US",
///      "device":{"os":"android","version":"14"}}
///
/// Events arrive at 1,000 a second, out of order by up to two seconds; user ids are skewed
/// towards small numbers (a few users make most events); about 3% of statuses are 4xx and 1.5%
/// 5xx; only purchases carry an amount, other events have `"amount":null` or no amount at all.
public enum Clickstream {
  /// 2026-11-26T08:00:00Z in milliseconds since the epoch.
  public static let startMillis: Int64 = 1_795_680_000_000

  static let events = [
    "page_view", "page_view", "page_view", "search", "click", "add_to_cart", "purchase", "login",
  ]
  static let countries = [
    "US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "AU", "ES",
    "IT", "NL", "SE", "MX", "KR", "PL", "TR", "AR", "ZA", "NG",
  ]
  static let devices = [
    ("android", "14"), ("android", "15"), ("ios", "17.2"), ("ios", "18.1"), ("windows", "10"),
    ("windows", "11"), ("macos", "14.6"), ("linux", "6.8"),
  ]
  static let words = ["bike", "coffee", "shoes", "lamp", "phone", "desk", "tent", "watch"]

  /// `count` events as NDJSON, each line ending in `\n`.
  public static func ndjson(events count: Int, seed: UInt64 = 42) -> [UInt8] {
    var random = SplitMix64(seed: seed)
    var out: [UInt8] = []
    out.reserveCapacity(count * 190)
    for i in 0..<count {
      let disorder = Int64(random.next(below: 2001))
      let ts = startMillis + Int64(i) - disorder
      // Cubing a uniform number skews the ids towards 0, roughly as Zipf does.
      let u = Double(random.next(below: 1 << 20)) / Double(1 << 20)
      let user = Int(u * u * u * 100_000)
      let event = events[random.next(below: events.count)]
      let roll = random.next(below: 1000)
      let status = roll < 15 ? 500 + (roll % 4) : roll < 45 ? [404, 403, 400][roll % 3] : 200
      let country = countries[min(random.next(below: 20), random.next(below: 20))]
      let device = devices[random.next(below: devices.count)]
      let latency = Double(5 + random.next(below: 2000)) / 10
      var line = "{\"ts\":\"\(iso8601(ts))\",\"user_id\":\"u\(user)\",\"event\":\"\(event)\""
      switch event {
      case "search": line += ",\"url\":\"/search?q=\(words[random.next(below: words.count)])\""
      case "purchase", "add_to_cart": line += ",\"url\":\"/cart\""
      case "login": line += ",\"url\":\"/login\""
      default: line += ",\"url\":\"/product/\(random.next(below: 5000))\""
      }
      line += ",\"status\":\(status)"
      if event == "purchase" {
        line += ",\"amount\":\(Double(100 + random.next(below: 50_000)) / 100)"
      } else if random.next(below: 2) == 0 {
        line += ",\"amount\":null"
      }
      line += ",\"latency_ms\":\(latency),\"country\":\"\(country)\""
      line += ",\"device\":{\"os\":\"\(device.0)\",\"version\":\"\(device.1)\"}}\n"
      out.append(contentsOf: line.utf8)
    }
    return out
  }

  /// Cuts `bytes` into pieces of whole lines of about `size` bytes, as the executor's input
  /// chunker does with what it reads.
  public static func pieces(_ bytes: [UInt8], size: Int = 1 << 20) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var start = 0
    while start < bytes.count {
      var end = min(start + size, bytes.count)
      while end < bytes.count && bytes[end - 1] != UInt8(ascii: "\n") { end += 1 }
      pieces.append(Array(bytes[start..<end]))
      start = end
    }
    return pieces
  }

  /// `2026-11-26T08:00:00.318Z` for a time in milliseconds since the epoch.
  static func iso8601(_ millis: Int64) -> String {
    let (days, dayMillis) = millis.quotientAndRemainder(dividingBy: 86_400_000)
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ v: Int64, _ width: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    let seconds = dayMillis / 1000
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):"
      + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(dayMillis % 1000, 3))Z"
  }
}

/// Sebastiano Vigna's SplitMix64: small, fast, and the same sequence everywhere.
struct SplitMix64 {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound`.
  mutating func next(below bound: Int) -> Int {
    Int(next() % UInt64(bound))
  }
}
