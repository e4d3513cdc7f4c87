import Testing

@testable import Executor

/// A windowed query without a filter hands each piece's rows to its window operator as they
/// are (`QueryRunner.applyWhole`); with a filter that keeps every row, rows go one by one. Both
/// must fire the same windows with the same rows and count the same late events, whole and
/// line by line.
@Suite struct WholePieceTests {
  /// Out-of-order times, some far behind (late for every window), and a row without a time.
  static let lines: [String] = {
    var state: UInt64 = 7
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33)
    }
    var lines = (0..<600).map { i -> String in
      var t = 1_795_680_000_000 + i * 300 + next() % 4_000
      if next() % 40 == 0 { t -= 90_000 }
      return #"{"t":\#(t),"k":"k\#(next() % 3)","u":"u\#(next() % 50)","v":\#(next() % 100)}"#
    }
    lines.insert(#"{"k":"k1","u":"u1","v":1}"#, at: 300)
    return lines
  }()

  @Test(arguments: [
    "SELECT k, COUNT(*) AS n, SUM(v) AS s, AVG(v) AS a FROM stdin TIMESTAMP BY t"
      + " WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 2 SECONDS) GROUP BY k",
    "SELECT COUNT(DISTINCT u) AS users FROM stdin TIMESTAMP BY t"
      + " WINDOW SLIDING (SIZE 30 SECONDS, ADVANCE BY 5 SECONDS, GRACE PERIOD 1 SECOND)",
  ])
  func sameAsRowByRow(sql: String) throws {
    for byLine in [false, true] {
      let whole = try QueryHarness.run(sql, lines: Self.lines, byLine: byLine)
      let filtered = try QueryHarness.run(
        sql.replacingOccurrences(of: " WINDOW", with: " WHERE v >= 0 WINDOW"), lines: Self.lines,
        byLine: byLine)
      #expect(whole.output == filtered.output)
      #expect(whole.stats.lateEvents == filtered.stats.lateEvents)
      #expect(whole.stats.lateEvents > 0)
      #expect(whole.stats.badRows == 1)
      #expect(whole.output.split(separator: "\n").count > 10)
    }
  }
}
