import Planner
import SQLParser
import Testing

/// `INSERT INTO 'target'`: which sink a target names, the upsert key a SQLite table gets, and
/// the queries a table cannot hold. Built from SQL text.
@Suite struct SinkTargetTests {
  static func plan(_ sql: String) throws -> QueryPlan {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(sql))
    return planner.plan.queries[0]
  }

  static func error(_ sql: String) -> String? {
    do {
      _ = try plan(sql)
      return nil
    } catch let d as Diagnostic {
      return d.message
    } catch {
      return "\(error)"
    }
  }

  @Test func targetsNameTheirSinks() throws {
    #expect(
      try SinkTargetTests.plan("INSERT INTO 'out.ndjson' SELECT a FROM stdin").sink
        == .file("out.ndjson"))
    #expect(
      try SinkTargetTests.plan("INSERT INTO 'sqlite:///tmp/m.db?table=t' SELECT a FROM stdin").sink
        == .sqlite(path: "/tmp/m.db", table: "t"))
    #expect(
      try SinkTargetTests.plan("INSERT INTO 'sqlite://m.db?table=t' SELECT a FROM stdin").sink
        == .sqlite(path: "m.db", table: "t"))
    #expect(
      try SinkTargetTests.plan("INSERT INTO 'tcp://localhost:9000' SELECT a FROM stdin").sink
        == .tcp(host: "localhost", port: 9000))
  }

  @Test func badTargetsAreRejected() {
    #expect(
      SinkTargetTests.error("INSERT INTO 'sqlite://m.db' SELECT a FROM stdin")
        == "'sqlite://m.db' names no table")
    #expect(
      SinkTargetTests.error("INSERT INTO 'sqlite://m.db?table=a-b' SELECT a FROM stdin")?.contains(
        "not an identifier") == true)
    #expect(
      SinkTargetTests.error("INSERT INTO 'tcp://host' SELECT a FROM stdin")
        == "'tcp://host' needs a port")
    #expect(
      SinkTargetTests.error("INSERT INTO 'tcp://host:0' SELECT a FROM stdin")?.contains(
        "no valid port") == true)
    #expect(
      SinkTargetTests.error("INSERT INTO 'nats://x' SELECT a FROM stdin")
        == "cannot write to 'nats://' targets")
    #expect(
      SinkTargetTests.error("INSERT INTO 'kafka://x' SELECT a FROM stdin")
        == "'kafka://x': names no topic (kafka://HOST:PORT/TOPIC)")
    #expect(
      SinkTargetTests.error("INSERT INTO 'sqlite://m.db?table=t' SELECT * FROM stdin")?.contains(
        "named columns") == true)
    #expect(
      SinkTargetTests.error(
        "INSERT INTO 'sqlite://m.db?table=t' SELECT COUNT(*) AS n FROM stdin GROUP BY url")
        == "GROUP BY key url is not selected; a SQLite table is keyed by window and group columns")
  }

  @Test func upsertKeyIsWindowAndGroupColumns() throws {
    let windowed = try SinkTargetTests.plan(
      "SELECT COUNT(*) AS n, url, window_end FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url"
    )
    // window_start is added in front; window_end and url stay where they were selected.
    #expect(windowed.outputNames == ["window_start", "n", "url", "window_end"])
    #expect(windowed.upsertKeyColumns == [0, 2, 3])
    #expect(try SinkTargetTests.plan("SELECT COUNT(*) AS n FROM stdin").upsertKeyColumns == [])
    #expect(try SinkTargetTests.plan("SELECT url FROM stdin").upsertKeyColumns == nil)
  }
}
