import Foundation
import Testing

@testable import Executor

/// COUNT(DISTINCT x) in hopping windows goes through `DistinctTracker` (a bit mask per value,
/// not a set per window). These tests hold it to a brute-force model of SPEC 4–5 written here:
/// per row, W = largest earlier time − grace; the row joins each window containing it whose end
/// is above W; a window's count is the number of distinct values that joined it.
@Suite struct DistinctTrackerTests {
  struct Row {
    var t: Int64
    var group: String
    var user: String?
  }

  /// Seeded rows with disorder, repeats, NULLs and occasional far-late rows.
  static func rows(seed: UInt64, count: Int, users: Int, disorderMs: Int64) -> [Row] {
    var state = seed
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    return (0..<count).map { i in
      var t = Int64(i) * 250 + Int64(next() % UInt64(disorderMs + 1))
      if next() % 50 == 0 { t -= 60_000 }  // far behind: late for some windows, not all
      let user: String? = next() % 20 == 0 ? nil : "u\(next() % UInt64(users))"
      return Row(t: t, group: next() % 3 == 0 ? "b" : "a", user: user)
    }
  }

  /// The model: (window start, group) → distinct users, and the late count.
  static func model(_ rows: [Row], size: Int64, advance: Int64, grace: Int64) -> (
    counts: [String: Int], late: Int
  ) {
    var sets: [String: Set<String>] = [:]
    var keys = Set<String>()
    var maxTime = Int64.min
    var late = 0
    for row in rows {
      let w = maxTime == .min ? Int64.min : maxTime - grace
      var start = (row.t >= 0 ? row.t / advance : (row.t - advance + 1) / advance) * advance
      var joined = false
      while start > row.t - size {
        if start + size > w {
          joined = true
          let key = "\(start)|\(row.group)"
          keys.insert(key)
          if let user = row.user { sets[key, default: []].insert(user) }
        }
        start -= advance
      }
      if !joined { late += 1 }
      maxTime = max(maxTime, row.t)
    }
    var counts: [String: Int] = [:]
    for key in keys { counts[key] = sets[key]?.count ?? 0 }
    return (counts, late)
  }

  @Test(
    arguments: [(1, 2_000, 40, 3_000), (2, 3_000, 500, 9_000), (3, 1_500, 5, 500)]
      as [(UInt64, Int, Int, Int64)])
  func matchesTheModel(seed: UInt64, count: Int, users: Int, disorderMs: Int64) throws {
    let (size, advance, grace): (Int64, Int64, Int64) = (20_000, 2_000, 1_500)
    let rows = Self.rows(seed: seed, count: count, users: users, disorderMs: disorderMs)
    let lines = rows.map { r in
      "{\"t\":\(1_795_680_000_000 + r.t),\"g\":\"\(r.group)\""
        + (r.user.map { ",\"u\":\"\($0)\"" } ?? "") + "}"
    }
    let sql = """
      SELECT g, COUNT(DISTINCT u) AS users, COUNT(*) AS n FROM stdin TIMESTAMP BY t
      WINDOW HOPPING (SIZE 20 SECONDS, ADVANCE BY 2 SECONDS, GRACE PERIOD 1500 MILLISECONDS) GROUP BY g
      """
    let outcome = try QueryHarness.run(sql, lines: lines)
    let expected = Self.model(
      rows.map { Row(t: 1_795_680_000_000 + $0.t, group: $0.group, user: $0.user) },
      size: size, advance: advance, grace: grace)
    var got: [String: Int] = [:]
    for line in outcome.output.split(separator: "\n") {
      let object = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let start = try #require(object["window_start"] as? String)
      let ms = try #require(Self.millis(start))
      got["\(ms)|\(object["g"] as! String)"] = object["users"] as? Int
    }
    #expect(got == expected.counts)
    #expect(outcome.stats.lateEvents == expected.late)
    #expect(expected.late > 0, "the input should exercise late rows")
  }

  /// Without GROUP BY and with COUNT(DISTINCT) alone, new values are counted per batch
  /// (`PendingWindowCounts`): whole (windows hundreds apart in one batch, so slots are
  /// handed over mid-batch) and line by line, the counts must still be the model's.
  @Test(arguments: [(4, 3_000, 300, 9_000), (5, 2_000, 20, 40_000)] as [(UInt64, Int, Int, Int64)])
  func matchesTheModelWithoutGroupBy(seed: UInt64, count: Int, users: Int, disorderMs: Int64)
    throws
  {
    let rows = Self.rows(seed: seed, count: count, users: users, disorderMs: disorderMs).map {
      Row(t: 1_795_680_000_000 + $0.t, group: "", user: $0.user)
    }
    let lines = rows.map { r in "{\"t\":\(r.t)" + (r.user.map { ",\"u\":\"\($0)\"" } ?? "") + "}" }
    let sql = """
      SELECT COUNT(DISTINCT u) AS users FROM stdin TIMESTAMP BY t
      WINDOW HOPPING (SIZE 20 SECONDS, ADVANCE BY 2 SECONDS, GRACE PERIOD 1500 MILLISECONDS)
      """
    let expected = Self.model(rows, size: 20_000, advance: 2_000, grace: 1_500)
    for byLine in [false, true] {
      let outcome = try QueryHarness.run(sql, lines: lines, byLine: byLine)
      var got: [String: Int] = [:]
      for line in outcome.output.split(separator: "\n") {
        let object = try #require(
          try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let start = try #require(object["window_start"] as? String)
        got["\(try #require(Self.millis(start)))|"] = object["users"] as? Int
      }
      #expect(got == expected.counts, "\(byLine ? "line by line" : "one chunk")")
      #expect(outcome.stats.lateEvents == expected.late)
    }
  }

  static func millis(_ iso: String) -> Int64? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: iso).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
  }
}
