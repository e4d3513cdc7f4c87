import Foundation
import Planner
import SQLParser
import Testing

/// EXPLAIN output of representative queries and scripts, compared with the snapshot files in
/// `Snapshots/` (one `<name>.txt` per case).
///
/// Run with `STREAMSQL_RECORD=1` to (re)write the snapshot files from the current planner, then
/// review the diff before committing it.
@Suite struct ExplainSnapshotTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var sql: String
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "filter-project-nested-paths",
      sql: """
        SELECT user_id, device.os, tags[0] AS first_tag, payload['odd-key'], amount * 2 AS doubled
        FROM stdin
        WHERE status >= 500 AND device.os = 'ios'
        """),
    Case(
      name: "tumbling-event-time",
      sql: """
        SELECT url, COUNT(*) AS n, AVG(latency_ms) AS avg_latency
        FROM stdin TIMESTAMP BY ts
        WINDOW TUMBLING (SIZE 1 MINUTE)
        GROUP BY url
        """),
    Case(
      name: "hopping-grace",
      sql: """
        SELECT COUNT(DISTINCT user_id) AS active_users
        FROM stdin TIMESTAMP BY ts
        WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS, GRACE PERIOD 5 SECONDS)
        """),
    Case(
      name: "moving-having",
      sql: """
        SELECT card, COUNT(*) AS n
        FROM stdin TIMESTAMP BY ts
        WINDOW SLIDING (SIZE 1 MINUTE)
        GROUP BY card
        HAVING COUNT(*) > 5
        """),
    Case(
      name: "session",
      sql: """
        SELECT user_id, COUNT(*) AS clicks, MIN(ts) AS first_seen
        FROM stdin TIMESTAMP BY ts
        WINDOW SESSION (GAP 30 SECONDS)
        GROUP BY user_id
        """),
    Case(
      name: "count-windows",
      sql: """
        SELECT host, SUM(bytes) AS total FROM stdin WINDOW SLIDING (SIZE 10 ROWS, ADVANCE BY 5 ROWS) GROUP BY host;
        SELECT MAX(bytes) AS biggest FROM stdin WINDOW TUMBLING (SIZE 100 ROWS)
        """),
    Case(
      name: "processing-time-emit-changes",
      sql: """
        SELECT status, COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 5 SECONDS) GROUP BY status EMIT CHANGES
        """),
    Case(
      name: "unwindowed-group-by-having",
      sql: """
        SELECT lower(country) AS country, SUM(amount) AS revenue
        FROM stdin
        GROUP BY 1
        HAVING SUM(amount) > 100 AND COUNT(*) >= 2
        """),
    Case(
      name: "order-by-limit",
      sql: """
        SELECT url, COUNT(*) AS hits FROM stdin TIMESTAMP BY ts
        WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url ORDER BY hits DESC LIMIT 3;
        SELECT DISTINCT user_id FROM stdin ORDER BY user_id LIMIT 10
        """),
    Case(
      name: "shared-source-read-once",
      sql: """
        CREATE STREAM clicks WITH (source = 'clicks.ndjson', timestamp = 'ts');
        SELECT url, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url;
        SELECT user_id, device.os FROM clicks WHERE status = 404
        """),
    Case(
      name: "derived-stream-inlined",
      sql: """
        CREATE STREAM clicks WITH (source = 'clicks.ndjson', format = 'ndjson', timestamp = 'ts');
        CREATE STREAM errors AS SELECT * FROM clicks WHERE status >= 500;
        SELECT url, COUNT(*) AS n FROM errors WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url
        """),
    Case(
      name: "insert-into-file-declared-schema",
      sql: """
        CREATE STREAM orders (id BIGINT, amount DOUBLE, region VARCHAR, placed_at TIMESTAMP)
          WITH (source = 'orders.ndjson', timestamp = 'placed_at');
        INSERT INTO 'revenue.csv'
          SELECT region, SUM(amount) AS revenue FROM orders WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY region
        """),
    Case(
      name: "select-without-from",
      sql: "SELECT 40 + 2 AS answer, upper('x')"),
  ]

  static let snapshotDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Snapshots")
  static let recording = ProcessInfo.processInfo.environment["STREAMSQL_RECORD"] == "1"

  static func explain(_ sql: String) throws -> String {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(sql))
    return planner.plan.explain()
  }

  @Test(arguments: cases)
  func explainMatchesSnapshot(_ testCase: Case) throws {
    let actual = try Self.explain(testCase.sql)
    let file = Self.snapshotDirectory.appendingPathComponent("\(testCase.name).txt")
    let header =
      testCase.sql.split(separator: "\n").map { "-- \($0)" }.joined(separator: "\n") + "\n\n"
    if Self.recording {
      try FileManager.default.createDirectory(
        at: Self.snapshotDirectory, withIntermediateDirectories: true)
      try (header + actual).write(to: file, atomically: true, encoding: .utf8)
      return
    }
    let stored = try #require(
      try? String(contentsOf: file, encoding: .utf8),
      "no snapshot \(file.lastPathComponent); run with STREAMSQL_RECORD=1")
    #expect(
      stored == header + actual, "EXPLAIN changed; re-record with STREAMSQL_RECORD=1 if intended")
  }

  /// `EXPLAIN stmt` as a statement gives the same text as planning the statement and explaining.
  @Test func explainStatementMatchesPlanExplain() throws {
    let query =
      "SELECT url, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url"
    var planner = ScriptPlanner()
    let outcome = try planner.add(try Parser.parseStatement("EXPLAIN " + query))
    guard case .explain(let text) = outcome else {
      Issue.record("EXPLAIN gave \(outcome)")
      return
    }
    #expect(text == (try Self.explain(query)))
    #expect(planner.plan.queries.isEmpty, "EXPLAIN must not add a query")
  }
}
