import Testing

@testable import SQLParser

/// Every construct of the dialect survives parse → print → parse unchanged, and printing is a
/// fixed point, so the printer can be trusted for EXPLAIN, column names and error messages.
@Suite struct RoundTripTests {
  static let statements: [String] = [
    // Select lists, aliases, stars.
    "SELECT * FROM stdin",
    "SELECT DISTINCT country FROM stdin",
    "SELECT c.*, u.name AS user_name FROM clicks c",
    "SELECT a b, c AS \"d e\", \"user-id\" FROM 'logs/*.ndjson'",
    "SELECT 40 + 2 AS answer",
    "select event, status, url, ts, country, window_start, count, date, time, key, value, source, type from stdin",
    // Literals and operators.
    "SELECT 1, -5, 1.5, -0.25, 2e3, 1.5E-7, 99999999999999999999, -9223372036854775808",
    "SELECT 'it''s', '', TRUE, false, NULL",
    "SELECT INTERVAL '5' MINUTE, INTERVAL '90 seconds', INTERVAL 100 MILLISECONDS, INTERVAL '1 hour 30 minutes'",
    "SELECT 1 + 2 * 3, (1 + 2) * 3, a - (b - c), a - b - c, a / b % c, -x, +x, - -5, -(a + b)",
    "SELECT first || ' ' || last AS full_name FROM stdin",
    "SELECT a = b, a <> b, a != b, a < b, a <= b, a > b, a >= b FROM stdin",
    "SELECT * FROM stdin WHERE a OR b AND c",
    "SELECT * FROM stdin WHERE (a OR b) AND NOT c",
    "SELECT * FROM stdin WHERE NOT (a = 1) AND NOT NOT b",
    "SELECT * FROM stdin WHERE x IS NULL OR y IS NOT NULL",
    "SELECT * FROM stdin WHERE (a = b) = c",
    // Paths and subscripts.
    "SELECT device.os, a.b.c, tags[0], payload['odd-key'], a.b[1].c, \"x y\".\"z-w\" FROM stdin",
    "SELECT payload.end, items[i + 1]['k'] FROM stdin",
    // Functions and special forms.
    "SELECT COUNT(*), count(DISTINCT user_id), LOWER(country), now(), coalesce(a, b, 0) FROM stdin",
    "SELECT CAST(a AS BIGINT), TRY_CAST(b AS double), c::varchar, d::int::text, (a + 1)::DOUBLE FROM stdin",
    "SELECT CAST(x AS VARCHAR(255)), CAST(y AS DECIMAL(10, 2)), z::json, t::timestamp, i::interval, b::bool FROM stdin",
    "SELECT -5::bigint, (-5)::bigint, device.os::varchar FROM stdin",
    "SELECT CASE WHEN status >= 500 THEN 'error' WHEN status >= 400 THEN 'client' ELSE 'ok' END FROM stdin",
    "SELECT CASE status WHEN 200 THEN 'ok' WHEN 404 THEN 'missing' END AS label FROM stdin",
    "SELECT EXTRACT(YEAR FROM ts), extract(epoch FROM to_timestamp(ts, 'ms')) FROM stdin",
    // BETWEEN, IN, LIKE.
    "SELECT * FROM stdin WHERE status BETWEEN 400 AND 499 AND x NOT BETWEEN 1 + 1 AND 10",
    "SELECT * FROM stdin WHERE country IN ('DE', 'FR') AND code NOT IN (1, 2, 3)",
    "SELECT * FROM stdin WHERE url LIKE '/api/%' AND name NOT ILIKE 'bob%'",
    "SELECT * FROM stdin WHERE path LIKE 'a\\_%' ESCAPE '\\'",
    "SELECT * FROM stdin WHERE (a LIKE b) = TRUE AND (x IN (1)) IS NULL",
    // FROM forms and event time.
    "SELECT * FROM STDIN",
    "SELECT * FROM \"stdin\"",
    "SELECT * FROM clicks AS c TIMESTAMP BY c.ts",
    "SELECT * FROM 'events.ndjson.gz' e TIMESTAMP BY to_timestamp(e.time, 's')",
    "SELECT * FROM clicks TIMESTAMP BY ts",
    // Joins (SPEC 8).
    "SELECT c.url, u.name FROM clicks c JOIN 'users.ndjson' AS u ON c.user_id = u.id",
    "SELECT * FROM clicks LEFT JOIN users u ON clicks.uid = u.id INNER JOIN x ON x.k = u.k WHERE u.id IS NULL",
    "SELECT * FROM a LEFT OUTER JOIN b TIMESTAMP BY b.ts ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '5' MINUTE",
    "SELECT COUNT(*) FROM a JOIN b ON a.k = b.k WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY a.k",
    // Every WINDOW form and both GRACE placements.
    "SELECT url, COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url",
    "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE '5 minutes')",
    "SELECT COUNT(*) FROM stdin WINDOW HOPPING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)",
    "SELECT COUNT(*) FROM stdin WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)",
    "SELECT card, COUNT(*) FROM stdin WINDOW SLIDING (SIZE 5 MINUTES) GROUP BY card HAVING COUNT(*) > 5",
    "SELECT user_id, COUNT(*) FROM stdin WINDOW SESSION (GAP 30 SECONDS) GROUP BY user_id",
    "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 100 ROWS)",
    "SELECT AVG(x) FROM stdin WINDOW SLIDING (SIZE 100 ROWS, ADVANCE BY 10 ROWS)",
    "SELECT AVG(x) FROM stdin WINDOW HOPPING (SIZE 100 ROWS, ADVANCE BY 10 ROWS)",
    "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1 HOUR, GRACE PERIOD 90 SECONDS)",
    "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1 DAY) GRACE PERIOD 100 MILLISECONDS",
    "SELECT COUNT(*) FROM stdin WINDOW SESSION (GAP 1 WEEK, GRACE PERIOD 0 SECONDS)",
    "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1500 MILLISECONDS) WHERE x > 1",
    "SELECT COUNT(*) FROM stdin WHERE x > 1 WINDOW TUMBLING (SIZE 1 SECOND)",
    // The remaining clauses.
    "SELECT url, COUNT(*) AS n FROM stdin WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url, 2 HAVING n > 10 EMIT CHANGES ORDER BY n DESC, url LIMIT 10",
    "SELECT a FROM stdin GROUP BY a EMIT FINAL ORDER BY a ASC NULLS FIRST, b DESC NULLS LAST",
    "SELECT window_start, WINDOWEND, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 MINUTE) LIMIT 0",
    // Other statements.
    "CREATE STREAM clicks WITH (source = 'tcp-listen://127.0.0.1:9000', FORMAT = 'ndjson', timestamp = 'ts')",
    "CREATE STREAM typed (user_id BIGINT, name VARCHAR, ok BOOLEAN, at TIMESTAMP, extra JSON, \"odd col\" DOUBLE)",
    "CREATE STREAM opts WITH (n = 5, neg = -2, ratio = 0.5, flag = TRUE, nothing = NULL, \"Mixed Key\" = 'x')",
    "CREATE STREAM errors AS SELECT * FROM clicks WHERE status >= 500",
    "INSERT INTO 'errors-per-minute.ndjson' SELECT url, COUNT(*) AS n FROM errors WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url",
    "SHOW STREAMS",
    "describe clicks",
    "EXPLAIN SELECT * FROM stdin WHERE a > 1",
    "EXPLAIN CREATE STREAM e AS SELECT * FROM clicks",
    "DROP STREAM clicks",
    "DROP STREAM IF EXISTS \"select\"",
    "DROP STREAM \"IF\"",
    "DROP STREAM \"if\"",
    "DROP STREAM IF EXISTS \"if\"",
    // Comments and layout.
    "SELECT a -- the first column\n, /* inline */ b FROM stdin;",
  ]

  @Test(arguments: statements)
  func statementRoundTrips(_ sql: String) throws {
    let parsed = try Parser.parseStatement(sql)
    let printed = SQLPrinter.print(parsed)
    let reparsed = try Parser.parseStatement(printed)
    #expect(reparsed == parsed, "printed as: \(printed)")
    #expect(SQLPrinter.print(reparsed) == printed)
  }

  static let scripts: [String] = [
    """
    CREATE STREAM clicks WITH (source = 'tcp-listen://127.0.0.1:9000', format = 'ndjson',
                               timestamp = 'ts');
    CREATE STREAM errors AS SELECT * FROM clicks WHERE status >= 500;
    INSERT INTO 'errors-per-minute.ndjson'
      SELECT url, COUNT(*) AS n FROM errors WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url;
    SELECT COUNT(DISTINCT user_id) AS active_users
      FROM clicks WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS);
    """,
    "SELECT 1;; ;SELECT ';' AS semi -- trailing ; in a comment",
    "SHOW STREAMS; DESCRIBE clicks; DROP STREAM clicks;",
  ]

  @Test(arguments: scripts)
  func scriptRoundTrips(_ script: String) throws {
    let parsed = try Parser.parseScript(script)
    #expect(!parsed.isEmpty)
    let reparsed = try Parser.parseScript(SQLPrinter.print(parsed))
    #expect(reparsed == parsed)
  }

  @Test func expressionsPrintAsWritten() throws {
    let natural: [(String, String)] = [
      ("a+1", "a + 1"),
      ("LOWER(country)", "lower(country)"),
      ("status>=500", "status >= 500"),
      ("(a + b) * c", "(a + b) * c"),
      ("a - (b - c)", "a - (b - c)"),
      ("((a * b)) + c", "a * b + c"),
      ("x != 1", "x <> 1"),
      ("count(*)", "count(*)"),
      ("device.os", "device.os"),
      ("\"user-id\"", "\"user-id\""),
      ("payload['odd-key']", "payload['odd-key']"),
      ("- 5", "-5"),
      ("NOT (a AND b)", "NOT (a AND b)"),
      ("a = (NOT b)", "a = (NOT b)"),
      ("INTERVAL '90' SECOND", "INTERVAL '90 seconds'"),
      ("1e999", "1e999"),
    ]
    for (input, expected) in natural {
      #expect(SQLPrinter.print(try Parser.parseExpression(input)) == expected)
    }
  }

  @Test func durationsPrintInAnExactUnit() {
    #expect(SQLPrinter.duration(90_000) == "90 SECONDS")
    #expect(SQLPrinter.duration(60_000) == "1 MINUTE")
    #expect(SQLPrinter.duration(100) == "100 MILLISECONDS")
    #expect(SQLPrinter.duration(7_200_000) == "2 HOURS")
    #expect(SQLPrinter.duration(86_400_000) == "1 DAY")
  }

  @Test func synthesizedNamesAreQuotedWhenNeeded() throws {
    let select = SelectStatement(
      items: [
        SelectItem(expr: Expr(.identifier("user-id", quoted: false)), alias: "from"),
        SelectItem(expr: Expr(.member(Expr(.identifier("a", quoted: false)), "odd key"))),
      ],
      from: FromClause(source: .stream("Stdin")))
    let printed = SQLPrinter.print(select)
    #expect(printed == "SELECT \"user-id\" AS \"from\", a.\"odd key\" FROM \"Stdin\"")
    let reparsed = try Parser.parseStatement(printed)
    guard case .select(let back) = reparsed.kind else {
      Issue.record("not a select")
      return
    }
    #expect(back.from?.source == .stream("Stdin"))
    #expect(back.items[0].alias == "from")
  }
}
