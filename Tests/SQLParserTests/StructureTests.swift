import Testing

@testable import SQLParser

/// The parser builds the tree a user expects from SQL text: precedence, windows in
/// milliseconds, FROM sources, and keywords that stay usable as column names.
@Suite struct StructureTests {
  func expr(_ text: String) throws -> Expr { try Parser.parseExpression(text) }

  func select(_ text: String) throws -> SelectStatement {
    guard case .select(let select) = try Parser.parseStatement(text).kind else {
      Issue.record("not a SELECT: \(text)")
      return SelectStatement(items: [])
    }
    return select
  }

  func window(_ clause: String) throws -> WindowSpec? {
    try select("SELECT COUNT(*) FROM stdin WINDOW \(clause)").window
  }

  @Test func precedence() throws {
    #expect(try expr("1 + 2 * 3") == expr("1 + (2 * 3)"))
    #expect(try expr("1 + 2 * 3") != expr("(1 + 2) * 3"))
    #expect(try expr("a OR b AND c") == expr("a OR (b AND c)"))
    #expect(try expr("NOT a = b") == expr("NOT (a = b)"))
    #expect(try expr("a || b = c") == expr("(a || b) = c"))
    #expect(try expr("a + b || c") == expr("(a + b) || c"))
    #expect(try expr("a - b - c") == expr("(a - b) - c"))
    #expect(try expr("-a * b") == expr("(-a) * b"))
    #expect(try expr("a.b::int") == expr("(a.b)::int"))
    #expect(try expr("x BETWEEN 1 AND 2 AND y") == expr("(x BETWEEN 1 AND 2) AND y"))
    #expect(try expr("a IS NULL AND b") == expr("(a IS NULL) AND b"))
  }

  @Test func literals() throws {
    #expect(try expr("-5").kind == .literal(.integer(-5)))
    #expect(try expr("-9223372036854775808").kind == .literal(.integer(.min)))
    #expect(try expr("9223372036854775808").kind == .literal(.double(9_223_372_036_854_775_808)))
    #expect(try expr("1.5e3").kind == .literal(.double(1500)))
    #expect(try expr(".5").kind == .literal(.double(0.5)))
    #expect(try expr("'it''s'").kind == .literal(.string("it's")))
    #expect(try expr("INTERVAL '5' MINUTE").kind == .literal(.interval(milliseconds: 300_000)))
    #expect(try expr("INTERVAL '5 minutes'") == expr("INTERVAL 5 MINUTES"))
    #expect(try expr("INTERVAL '1.5 seconds'").kind == .literal(.interval(milliseconds: 1500)))
    #expect(try expr("a != b") == expr("a <> b"))
  }

  @Test func pathsAndCalls() throws {
    let a = Expr(.identifier("a", quoted: false))
    #expect(try expr("a.b.c").kind == .member(Expr(.member(a, "b")), "c"))
    #expect(
      try expr("tags[0]").kind
        == .subscript(Expr(.identifier("tags", quoted: false)), Expr(.literal(.integer(0)))))
    #expect(try expr("\"user-id\"").kind == .identifier("user-id", quoted: true))
    #expect(
      try expr("COUNT(*)").kind == .function(name: "count", args: [], distinct: false, star: true))
    #expect(
      try expr("Count(DISTINCT a)").kind
        == .function(name: "count", args: [a], distinct: true, star: false))
    #expect(
      try expr("x::int").kind
        == .cast(Expr(.identifier("x", quoted: false)), .bigint, isTry: false, syntax: .doubleColon)
    )
    #expect(try expr("EXTRACT(Year FROM a)").kind == .extract(field: "year", from: a))
  }

  @Test func windowDurationsAreMilliseconds() throws {
    #expect(try window("TUMBLING (SIZE 1 MINUTE)")?.kind == .tumbling(sizeMillis: 60_000))
    #expect(try window("TUMBLING (SIZE '5 minutes')")?.kind == .tumbling(sizeMillis: 300_000))
    #expect(try window("TUMBLING (SIZE 100 MILLISECONDS)")?.kind == .tumbling(sizeMillis: 100))
    #expect(try window("TUMBLING (SIZE 1 day)")?.kind == .tumbling(sizeMillis: 86_400_000))
    #expect(
      try window("HOPPING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)")?.kind
        == .hopping(sizeMillis: 120_000, advanceMillis: 10_000))
    #expect(
      try window("SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)")?.kind
        == .hopping(sizeMillis: 120_000, advanceMillis: 10_000))
    #expect(try window("SLIDING (SIZE 1 HOUR)")?.kind == .sliding(sizeMillis: 3_600_000))
    #expect(try window("SESSION (GAP 30 SECONDS)")?.kind == .session(gapMillis: 30_000))
    #expect(try window("TUMBLING (SIZE 100 ROWS)")?.kind == .tumblingRows(100))
    #expect(
      try window("SLIDING (SIZE 100 ROWS, ADVANCE BY 10 ROWS)")?.kind
        == .hoppingRows(size: 100, advance: 10))
    #expect(try window("TUMBLING (SIZE 1 MINUTE)")?.graceMillis == nil)
  }

  @Test func gracePeriodInsideOrAfterTheParentheses() throws {
    let inside = try window("TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)")
    let after = try window("TUMBLING (SIZE 1 MINUTE) GRACE PERIOD 10 SECONDS")
    #expect(inside?.graceMillis == 10_000)
    #expect(inside == after)
    #expect(try window("SESSION (GAP 5 SECONDS) GRACE PERIOD '2 s'")?.graceMillis == 2000)
  }

  @Test func fromSources() throws {
    #expect(try select("SELECT * FROM stdin").from?.source == .stdin)
    #expect(try select("SELECT * FROM StdIn").from?.source == .stdin)
    #expect(try select("SELECT * FROM 'a/*.ndjson'").from?.source == .path("a/*.ndjson"))
    #expect(try select("SELECT * FROM clicks").from?.source == .stream("clicks"))
    let from = try select("SELECT * FROM clicks c TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 SECOND)")
      .from
    #expect(from?.alias == "c")
    #expect(from?.timestampBy == Expr(.identifier("ts", quoted: false)))
    #expect(try select("SELECT 40 + 2 AS answer").from == nil)
  }

  @Test func joins() throws {
    let query = try select(
      "SELECT * FROM clicks LEFT JOIN 'users.ndjson' AS u ON clicks.uid = u.id")
    #expect(query.from?.alias == nil)
    #expect(query.joins.count == 1)
    #expect(query.joins.first?.kind == .left)
    #expect(query.joins.first?.right.source == .path("users.ndjson"))
    #expect(query.joins.first?.right.alias == "u")
    #expect(try query.joins.first?.condition == expr("clicks.uid = u.id"))
  }

  @Test func keywordsStayUsableAsColumnNames() throws {
    let names = [
      "event", "status", "url", "ts", "country", "window_start", "count", "date", "time", "key",
      "value", "source", "type", "timestamp", "interval", "size", "rows",
    ]
    let query = try select("SELECT \(names.joined(separator: ", ")) FROM stdin WHERE count > 1")
    #expect(query.items.map(\.expr) == names.map { Expr(.identifier($0, quoted: false)) })
    #expect(query.items.allSatisfy { $0.alias == nil })
  }

  @Test func implicitAliasesStopAtKeywords() throws {
    let query = try select("SELECT a b, c FROM s x WHERE b > 1 GROUP BY b LIMIT 3")
    #expect(query.items.map(\.alias) == ["b", nil])
    #expect(query.from?.alias == "x")
    #expect(query.whereClause != nil && query.groupBy.count == 1 && query.limit == 3)
    let noAlias = try select("SELECT a FROM s TIMESTAMP BY ts")
    #expect(noAlias.from?.alias == nil)
  }

  @Test func statements() throws {
    let create = try Parser.parseStatement(
      "CREATE STREAM clicks (id BIGINT) WITH (SOURCE = 'x.ndjson', Timestamp = 'ts') AS SELECT * FROM stdin"
    )
    guard case .createStream(let stream) = create.kind else {
      Issue.record("not CREATE STREAM")
      return
    }
    #expect(stream.name == "clicks")
    #expect(stream.columns == [ColumnDefinition(name: "id", type: .bigint)])
    #expect(stream.options.map(\.key) == ["source", "timestamp"])
    #expect(stream.query != nil)
    #expect(
      try Parser.parseStatement("drop stream if exists x;").kind
        == .dropStream(name: "x", ifExists: true))
    #expect(
      try Parser.parseStatement("EXPLAIN SHOW STREAMS").kind == .explain(Statement(.showStreams)))
    #expect(try Parser.parseScript(";; SELECT 1; ; SELECT 2;").count == 2)
    #expect(try Parser.parseScript("  -- nothing\n").isEmpty)
  }

  @Test func completeStatementsEndWithASemicolon() {
    #expect(Parser.isComplete("SELECT 1;"))
    #expect(Parser.isComplete("SELECT 1;  -- done\n"))
    #expect(!Parser.isComplete("SELECT 1"))
    #expect(!Parser.isComplete("SELECT ';"))
    #expect(!Parser.isComplete("SELECT 1 -- ;"))
    #expect(!Parser.isComplete("SELECT 1 /* ; */"))
    #expect(!Parser.isComplete(""))
    #expect(Parser.keywords.contains("TUMBLING"))
  }

  @Test func spansCoverTheirText() throws {
    let text = "SELECT lower(country) AS c FROM stdin"
    let query = try select(text)
    let span = query.items[0].expr.span
    let bytes = Array(text.utf8)
    #expect(String(decoding: bytes[span.start..<span.end], as: UTF8.self) == "lower(country)")
  }
}
