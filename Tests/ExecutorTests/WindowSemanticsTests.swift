import Testing

@testable import Executor

/// Small hand-computed cases of SPEC 4–5, run through `ScriptRunner.run(feeding:)` both as one
/// chunk and line by line. Event times are epoch seconds (below 10^11), so `ts: 10` is
/// 1970-01-01T00:00:10Z.
@Suite struct WindowSemanticsTests {
  static func at(_ seconds: Int) -> String {
    let s = ((seconds % 60) + 60) % 60
    let m = ((seconds - s) / 60 % 60 + 60) % 60
    if seconds < 0 { return "1969-12-31T23:\(two(m)):\(two(s)).000Z" }
    return "1970-01-01T00:\(two(m)):\(two(s)).000Z"
  }

  static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

  static func window(_ start: Int, _ end: Int) -> String {
    #""window_start":"\#(at(start))","window_end":"\#(at(end))""#
  }

  /// Runs whole and line by line; both must give `expected` and `late` late events.
  static func check(
    _ sql: String, _ input: [String], _ expected: [String], late: Int = 0,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    for byLine in [false, true] {
      let outcome = try QueryHarness.run(sql, lines: input, byLine: byLine)
      let rows = outcome.output.split(separator: "\n").map(String.init)
      #expect(
        rows == expected, "\(byLine ? "line by line" : "one chunk")", sourceLocation: sourceLocation
      )
      #expect(outcome.stats.lateEvents == late, "late events", sourceLocation: sourceLocation)
    }
  }

  static func events(_ times: [Int]) -> [String] { times.map { #"{"ts":\#($0),"v":\#($0)}"# } }

  @Test func rowExactlyAtAWindowEndBelongsToTheNextWindow() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS)",
      Self.events([1, 5, 10, 19, 20]),
      [
        "{\(Self.window(0, 10)),\"n\":2,\"s\":6}",
        "{\(Self.window(10, 20)),\"n\":2,\"s\":29}",
        "{\(Self.window(20, 30)),\"n\":1,\"s\":20}",
      ])
  }

  /// SIZE 10, ADVANCE 5: t belongs to the two windows [5k, 5k+10) containing it; t = 5 is in
  /// [0,10) and [5,15) but not [-5,5).
  @Test func hoppingWindowMembership() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS)",
      Self.events([5, 7, 12]),
      [
        "{\(Self.window(0, 10)),\"n\":2,\"s\":12}",
        "{\(Self.window(5, 15)),\"n\":3,\"s\":24}",
        "{\(Self.window(10, 20)),\"n\":1,\"s\":12}",
      ])
  }

  /// Each row is added to its windows before it advances W and windows fire: in one chunk, 8
  /// arrives before 25 and counts in [0,10) even though the chunk as a whole moves W to 25.
  @Test func rowIsAddedBeforeTheWatermarkItAdvancesFiresWindows() throws {
    let sql =
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS)"
    try Self.check(
      sql, Self.events([1, 8, 25]),
      ["{\(Self.window(0, 10)),\"n\":2,\"s\":9}", "{\(Self.window(20, 30)),\"n\":1,\"s\":25}"])
    // 8 after 25: W = 25 ≥ 10, so [0,10) has fired for it; late, counted.
    try Self.check(
      sql, Self.events([1, 25, 8]),
      ["{\(Self.window(0, 10)),\"n\":1,\"s\":1}", "{\(Self.window(20, 30)),\"n\":1,\"s\":25}"],
      late: 1)
    // The row that moves W to a window's end is itself in the next window, and the window it
    // closes is printed with what it held.
    try Self.check(
      sql, Self.events([3, 9, 10]),
      ["{\(Self.window(0, 10)),\"n\":2,\"s\":12}", "{\(Self.window(10, 20)),\"n\":1,\"s\":10}"])
  }

  /// After 12, W = 12: [-5,5) and [0,10) have fired; 8 still lands in the open [5,15) and is
  /// not late; 3 reaches only fired windows and is dropped and counted.
  @Test func lateRowDroppedWhileAnOpenHoppingWindowAcceptsAnother() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS)",
      Self.events([1, 12, 8, 3]),
      [
        "{\(Self.window(-5, 5)),\"n\":1,\"s\":1}",
        "{\(Self.window(0, 10)),\"n\":1,\"s\":1}",
        "{\(Self.window(5, 15)),\"n\":2,\"s\":20}",
        "{\(Self.window(10, 20)),\"n\":1,\"s\":12}",
      ], late: 1)
  }

  @Test func graceKeepsAWindowOpenForALateRow() throws {
    let sql =
      "SELECT COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 5 SECONDS)"
    // W = 14 − 5 = 9 < 10 when 8 arrives: still counted.
    try Self.check(
      sql, Self.events([1, 14, 8]),
      ["{\(Self.window(0, 10)),\"n\":2}", "{\(Self.window(10, 20)),\"n\":1}"])
    // W = 15 − 5 = 10: [0,10) has fired; 8 is late.
    try Self.check(
      sql, Self.events([1, 15, 8]),
      ["{\(Self.window(0, 10)),\"n\":1}", "{\(Self.window(10, 20)),\"n\":1}"], late: 1)
  }

  /// GAP 5: rows exactly 5 apart chain (as Flink); 16 is 6 after 10 and starts a new session.
  @Test func sessionRowsExactlyGapApartChain() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 5 SECONDS)",
      Self.events([0, 5, 10, 16]),
      ["{\(Self.window(0, 15)),\"n\":3,\"s\":15}", "{\(Self.window(16, 21)),\"n\":1,\"s\":16}"])
  }

  /// Sessions [0,5) and [10,15) are both open (GRACE 10 keeps W at 0); a row at 5 touches both
  /// and merges them into [0,15).
  @Test func rowBridgingTwoSessionsMergesThem() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 5 SECONDS, GRACE PERIOD 10 SECONDS)",
      Self.events([0, 10, 5]),
      ["{\(Self.window(0, 15)),\"n\":3,\"s\":15}"])
    // Without the bridge, two sessions.
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 5 SECONDS, GRACE PERIOD 10 SECONDS)",
      Self.events([0, 10]),
      ["{\(Self.window(0, 5)),\"n\":1,\"s\":0}", "{\(Self.window(10, 15)),\"n\":1,\"s\":10}"])
  }

  @Test func sessionsArePerGroup() throws {
    try Self.check(
      "SELECT k, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 5 SECONDS) GROUP BY k",
      [#"{"ts":0,"k":"a"}"#, #"{"ts":3,"k":"b"}"#, #"{"ts":4,"k":"a"}"#, #"{"ts":20,"k":"b"}"#],
      [
        "{\(Self.window(3, 8)),\"k\":\"b\",\"n\":1}",
        "{\(Self.window(0, 9)),\"k\":\"a\",\"n\":2}",
        "{\(Self.window(20, 25)),\"k\":\"b\",\"n\":1}",
      ])
  }

  /// SIZE 10: one row per distinct time t with the rows in (t−10, t]. The second row at 5 is not
  /// late (t < W is false when t = W); 11 after 20 is late.
  @Test func movingWindowEmitsOneRowPerDistinctTime() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 10 SECONDS)",
      Self.events([1, 5, 5, 12, 20, 11]),
      [
        "{\(Self.window(-9, 1)),\"n\":1,\"s\":1}",
        "{\(Self.window(-5, 5)),\"n\":3,\"s\":11}",
        "{\(Self.window(2, 12)),\"n\":3,\"s\":22}",
        "{\(Self.window(10, 20)),\"n\":2,\"s\":32}",
      ], late: 1)
  }

  @Test func movingWindowHavingIsAnAlert() throws {
    try Self.check(
      "SELECT card, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 10 SECONDS) GROUP BY card HAVING COUNT(*) > 2",
      [1, 4, 8, 9, 30].map { #"{"ts":\#($0),"card":"x"}"# } + [#"{"ts":5,"card":"y"}"#],
      [
        "{\(Self.window(-2, 8)),\"card\":\"x\",\"n\":3}",
        "{\(Self.window(-1, 9)),\"card\":\"x\",\"n\":4}",
      ], late: 1)
  }

  /// Per group in arrival order; a full window fires at once, partial windows at end of input;
  /// window_start and window_end are the first and last row's times.
  @Test func countTumblingEmitsPartialWindowsAtEnd() throws {
    try Self.check(
      "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 2 ROWS) GROUP BY k",
      [
        #"{"ts":1,"k":"a","v":1}"#, #"{"ts":2,"k":"a","v":2}"#, #"{"ts":3,"k":"b","v":3}"#,
        #"{"ts":4,"k":"a","v":4}"#,
      ],
      [
        "{\(Self.window(1, 2)),\"k\":\"a\",\"n\":2,\"s\":3}",
        "{\(Self.window(4, 4)),\"k\":\"a\",\"n\":1,\"s\":4}",
        "{\(Self.window(3, 3)),\"k\":\"b\",\"n\":1,\"s\":3}",
      ])
  }

  /// SIZE 3 ROWS ADVANCE 2: windows start at rows 1, 3, 5: {1,2,3}, {3,4,5}, {5}.
  @Test func countHoppingWindows() throws {
    try Self.check(
      "SELECT COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 3 ROWS, ADVANCE BY 2 ROWS)",
      Self.events([1, 2, 3, 4, 5]),
      [
        "{\(Self.window(1, 3)),\"n\":3,\"s\":6}",
        "{\(Self.window(3, 5)),\"n\":3,\"s\":12}",
        "{\(Self.window(5, 5)),\"n\":1,\"s\":5}",
      ])
  }

  /// Keys of every kind in hopping windows: short strings (found again through
  /// `RecentGroups`), a long string, a number and NULL stay apart per window, a key's rows in
  /// both of their windows add to the right group, and a row for fired windows is late.
  @Test func groupKeysOfEveryKindInHoppingWindows() throws {
    let sql = """
      SELECT k, COUNT(*) AS n, SUM(v) AS s, AVG(v) AS a FROM stdin TIMESTAMP BY ts
      WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS, GRACE PERIOD 1 SECOND) GROUP BY k
      """
    let lines = [
      #"{"ts":1,"k":"a","v":1}"#,
      #"{"ts":2,"k":"b","v":2}"#,
      #"{"ts":3,"k":7,"v":3}"#,
      #"{"ts":4,"k":null,"v":"x"}"#,
      #"{"ts":5,"k":"a","v":4.5}"#,
      #"{"ts":6,"k":"a long key of many bytes","v":5}"#,
      #"{"ts":7,"k":"b"}"#,
      #"{"ts":12,"k":"a","v":6}"#,
      #"{"ts":3,"k":"c","v":7}"#,
      #"{"ts":13,"k":"a long key of many bytes","v":8}"#,
      #"{"ts":26,"k":"b","v":9}"#,
    ]
    let expected = [
      #"{"window_start":"1969-12-31T23:59:55.000Z","window_end":"1970-01-01T00:00:05.000Z","k":"a","n":1,"s":1,"a":1.0}"#,
      #"{"window_start":"1969-12-31T23:59:55.000Z","window_end":"1970-01-01T00:00:05.000Z","k":"b","n":1,"s":2,"a":2.0}"#,
      #"{"window_start":"1969-12-31T23:59:55.000Z","window_end":"1970-01-01T00:00:05.000Z","k":7,"n":1,"s":3,"a":3.0}"#,
      #"{"window_start":"1969-12-31T23:59:55.000Z","window_end":"1970-01-01T00:00:05.000Z","k":null,"n":1,"s":null,"a":null}"#,
      #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":"a","n":2,"s":5.5,"a":2.75}"#,
      #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":"b","n":2,"s":2,"a":2.0}"#,
      #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":7,"n":1,"s":3,"a":3.0}"#,
      #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":null,"n":1,"s":null,"a":null}"#,
      #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":"a long key of many bytes","n":1,"s":5,"a":5.0}"#,
      #"{"window_start":"1970-01-01T00:00:05.000Z","window_end":"1970-01-01T00:00:15.000Z","k":"a","n":2,"s":10.5,"a":5.25}"#,
      #"{"window_start":"1970-01-01T00:00:05.000Z","window_end":"1970-01-01T00:00:15.000Z","k":"a long key of many bytes","n":2,"s":13,"a":6.5}"#,
      #"{"window_start":"1970-01-01T00:00:05.000Z","window_end":"1970-01-01T00:00:15.000Z","k":"b","n":1,"s":null,"a":null}"#,
      #"{"window_start":"1970-01-01T00:00:10.000Z","window_end":"1970-01-01T00:00:20.000Z","k":"a","n":1,"s":6,"a":6.0}"#,
      #"{"window_start":"1970-01-01T00:00:10.000Z","window_end":"1970-01-01T00:00:20.000Z","k":"a long key of many bytes","n":1,"s":8,"a":8.0}"#,
      #"{"window_start":"1970-01-01T00:00:20.000Z","window_end":"1970-01-01T00:00:30.000Z","k":"b","n":1,"s":9,"a":9.0}"#,
      #"{"window_start":"1970-01-01T00:00:25.000Z","window_end":"1970-01-01T00:00:35.000Z","k":"b","n":1,"s":9,"a":9.0}"#,
    ]
    #expect(try QueryHarness.rows(sql, lines) == expected)
    #expect(try QueryHarness.rows(sql, lines, byLine: true) == expected)
  }
}
