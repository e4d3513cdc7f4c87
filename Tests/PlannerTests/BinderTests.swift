import Planner
import SQLParser
import Testing

/// Binder errors point at the offending text, and bound plans carry the names, keys, slots and
/// extracted fields that SPEC 3, 5, 6 and 7 promise. Everything is built from SQL text.
@Suite struct BinderTests {
  // MARK: Errors

  /// A script whose last statement must fail, a marker line whose `^` sits under the column where
  /// the error's span starts (on the line above the marker), the message and the note.
  struct ErrorCase: CustomTestStringConvertible, Sendable {
    var message: String
    var note: String? = nil
    var marked: String
    var testDescription: String { message }
  }

  static let errorCases: [ErrorCase] = [
    ErrorCase(
      message: "unknown function 'lowr'", note: "did you mean 'lower'?",
      marked: """
        SELECT lowr(url) FROM stdin
               ^
        """),
    ErrorCase(
      message: "aggregate function 'count' is not allowed here",
      marked: """
        SELECT url FROM stdin WHERE COUNT(*) > 5
                                    ^
        """),
    ErrorCase(
      message: "aggregate function calls cannot be nested",
      marked: """
        SELECT url, SUM(COUNT(*)) FROM stdin GROUP BY url
                        ^
        """),
    ErrorCase(
      message: "column 'status' must appear in GROUP BY or be used in an aggregate function",
      marked: """
        SELECT url, status, COUNT(*) FROM stdin GROUP BY url
                    ^
        """),
    ErrorCase(
      message: "column 'b' not found", note: "did you mean 'a'?",
      marked: """
        CREATE STREAM s (a BIGINT) WITH (source='x.ndjson'); SELECT b FROM s
                                                                    ^
        """),
    ErrorCase(
      message: "column 'b' not found",
      marked: """
        CREATE STREAM s (a BIGINT) WITH (source='x.ndjson');
        SELECT a FROM s
          WHERE a > 1 AND s.b IS NULL
                          ^
        """),
    ErrorCase(
      message: "unknown stream 'clickz'", note: "did you mean 'clicks'?",
      marked: """
        CREATE STREAM clicks WITH (source = 'c.ndjson'); SELECT url FROM clickz
                                                                         ^
        """),
    ErrorCase(
      message: "GROUP BY position 3 is not in the select list (1...2)",
      marked: """
        SELECT url, COUNT(*) FROM stdin GROUP BY 3
                                                 ^
        """),
    ErrorCase(
      message: "a windowed query needs GROUP BY or an aggregate function",
      marked: """
        SELECT url FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE)
                                              ^
        """),
    ErrorCase(
      message: "HAVING needs GROUP BY or an aggregate function",
      marked: """
        SELECT url FROM stdin HAVING url = '/'
                                     ^
        """),
    ErrorCase(
      message: "unknown stream option 'sorce'", note: "did you mean 'source'?",
      marked: """
        CREATE STREAM s WITH (sorce = 'x.ndjson')
                              ^
        """),
    ErrorCase(
      message: "'*' cannot be selected in an aggregating query; name the columns",
      marked: """
        SELECT *, COUNT(*) FROM stdin
               ^
        """),
    ErrorCase(
      message: "wrong number of arguments for length (got 2)",
      marked: """
        SELECT url FROM stdin WHERE length(url, 2) > 3
                                    ^
        """),
    ErrorCase(
      message: "wrong number of arguments for sum",
      marked: """
        SELECT SUM(a, b) FROM stdin
               ^
        """),
    ErrorCase(
      message: "unknown stream 'nope'",
      marked: """
        SELECT 1;
        DESCRIBE nope
        ^
        """),
  ]

  /// The script without its marker line, and the 1-based line and column of the marker.
  static func split(_ marked: String) -> (script: String, line: Int, column: Int) {
    var lines = marked.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let markerIndex = lines.lastIndex { line in
      line.contains("^") && line.allSatisfy { $0 == " " || $0 == "^" }
    }!
    let column = lines[markerIndex].prefix { $0 == " " }.count + 1
    lines.remove(at: markerIndex)
    return (lines.joined(separator: "\n"), markerIndex, column)
  }

  /// Plans `script` and returns the binder's error; records an issue if parsing fails or nothing fails.
  static func bindError(_ script: String) -> Diagnostic? {
    let statements: [Statement]
    do {
      statements = try Parser.parseScript(script)
    } catch {
      Issue.record("parse error, not a binder error: \(error.message)")
      return nil
    }
    var planner = ScriptPlanner()
    do {
      _ = try planner.add(script: statements)
      Issue.record("planned without error: \(script)")
      return nil
    } catch {
      return error
    }
  }

  @Test(arguments: errorCases)
  func errorPointsAtTheOffendingText(_ testCase: ErrorCase) {
    let (script, line, column) = Self.split(testCase.marked)
    guard let diagnostic = Self.bindError(script) else { return }
    #expect(diagnostic.message == testCase.message)
    if let note = testCase.note { #expect(diagnostic.note == note) }
    let location = Diagnostic.location(of: diagnostic.span.start, in: script)
    #expect(
      location.line == line && location.column == column,
      "at \(location), expected \(line):\(column)")
  }

  @Test func renderedBinderErrorHasCaretAndNote() throws {
    let script = "SELECT lowr(url) FROM stdin"
    let diagnostic = try #require(Self.bindError(script))
    let rendered = diagnostic.render(source: script)
    #expect(
      rendered == """
        error: unknown function 'lowr'
         --> query:1:8
        1 | SELECT lowr(url) FROM stdin
          |        ^^^^^^^^^ did you mean 'lower'?

        """)
  }

  // MARK: Bound plans

  static func plan(_ script: String) throws -> ScriptPlan {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(script))
    return planner.plan
  }

  static func query(_ script: String) throws -> QueryPlan {
    try #require(try plan(script).queries.last)
  }

  static func names(_ script: String) throws -> [String] {
    try query(script).outputNames
  }

  @Test(arguments: [
    (
      "SELECT user_id, device.os, payload['odd-key'], \"user-id\" FROM stdin",
      ["user_id", "os", "odd-key", "user-id"]
    ),
    (
      "SELECT lower(url), COUNT(*), avg(x), count(y) FROM stdin GROUP BY lower(url)",
      ["lower", "count", "avg", "count_2"]
    ),
    ("SELECT amount * 2, status >= 500 FROM stdin", ["amount * 2", "status >= 500"]),
    ("SELECT url, url, url, a.url FROM stdin", ["url", "url_2", "url_3", "url_4"]),
    ("SELECT url AS u, status AS u FROM stdin", ["u", "u_2"]),
    ("SELECT c.user_id FROM stdin AS c", ["user_id"]),
  ])
  func outputNames(_ sql: String, _ expected: [String]) throws {
    #expect(try Self.names(sql) == expected)
  }

  @Test func deduplicatedNamesNeverCollideWithGivenNames() throws {
    let names = try Self.names("SELECT a, a, a_2 FROM stdin")
    #expect(Set(names).count == 3)
    #expect(names[0] == "a" && names[2] == "a_2")
  }

  @Test func windowBoundsArePrependedUnlessNamed() throws {
    let window = "FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url"
    #expect(
      try Self.names("SELECT url, COUNT(*) AS n \(window)") == [
        "window_start", "window_end", "url", "n",
      ])
    #expect(
      try Self.names("SELECT window_start, window_end, url, COUNT(*) AS n \(window)") == [
        "window_start", "window_end", "url", "n",
      ])
    #expect(
      try Self.names(
        "SELECT url, WINDOWEND AS closes, WINDOWSTART AS opens, COUNT(*) AS n \(window)") == [
          "url", "closes", "opens", "n",
        ])
    // Unwindowed aggregates carry no bounds.
    #expect(try Self.names("SELECT url, COUNT(*) AS n FROM stdin GROUP BY url") == ["url", "n"])
  }

  @Test func groupByExpressionAliasAndPositionGiveTheSameKey() throws {
    let byExpression = try Self.query(
      "SELECT lower(url) AS u, COUNT(*) AS n FROM stdin GROUP BY lower(url)")
    let byAlias = try Self.query("SELECT lower(url) AS u, COUNT(*) AS n FROM stdin GROUP BY u")
    let byPosition = try Self.query("SELECT lower(url) AS u, COUNT(*) AS n FROM stdin GROUP BY 1")
    #expect(byExpression.groupKeys.count == 1)
    #expect(byAlias.groupKeys == byExpression.groupKeys)
    #expect(byPosition.groupKeys == byExpression.groupKeys)
    // The select item reads the key's slot, not the raw field.
    #expect(byAlias.projections == byExpression.projections)
    #expect(byPosition.projections == byExpression.projections)
  }

  @Test func identicalAggregatesShareOneSlot() throws {
    let q = try Self.query(
      "SELECT url, COUNT(*) AS n, SUM(bytes) AS b FROM stdin GROUP BY url HAVING COUNT(*) > 5 AND SUM(bytes) > 0 ORDER BY COUNT(*) DESC"
    )
    #expect(q.aggregates.count == 2)
    let viaAlias = try Self.query("SELECT url, COUNT(*) AS n FROM stdin GROUP BY url HAVING n > 5")
    #expect(viaAlias.aggregates.count == 1)
    // DISTINCT is part of the identity.
    let distinct = try Self.query("SELECT COUNT(x), COUNT(DISTINCT x) FROM stdin")
    #expect(distinct.aggregates.count == 2)
  }

  static func extracted(_ script: String) throws -> [String] {
    let plan = try plan(script)
    try #require(plan.sources.count == 1)
    return plan.sources[0].fields.map(\.dottedName)
  }

  @Test func projectionPushdownExtractsExactlyTheNeededPaths() throws {
    let fields = try Self.extracted(
      "SELECT user_id, device.os, lower(device.os) AS los FROM stdin TIMESTAMP BY ts WHERE status >= 500 AND user_id IS NOT NULL"
    )
    #expect(fields.count == 4, "each path once: \(fields)")
    #expect(Set(fields) == ["user_id", "device.os", "status", "ts"])

    let aggregate = try Self.extracted(
      "SELECT url, SUM(bytes) AS b FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url HAVING MAX(latency) > 3"
    )
    #expect(aggregate.count == 4, "\(aggregate)")
    #expect(Set(aggregate) == ["url", "bytes", "ts", "latency"])

    #expect(try Self.extracted("SELECT COUNT(*) FROM stdin") == [])
  }

  @Test func sharedSourceExtractsTheUnionOfFields() throws {
    let plan = try Self.plan(
      """
      CREATE STREAM clicks WITH (source = 'clicks.ndjson', timestamp = 'ts');
      SELECT url, COUNT(*) FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url;
      SELECT user_id FROM clicks WHERE status = 404;
      SELECT url FROM clicks WHERE status = 500
      """)
    #expect(plan.sources.count == 1)
    #expect(
      plan.queries.map(\.sourceID) == [plan.sources[0].id, plan.sources[0].id, plan.sources[0].id])
    let fields = plan.sources[0].fields.map(\.dottedName)
    #expect(fields.count == 4)
    #expect(Set(fields) == ["ts", "url", "user_id", "status"])
  }

  @Test func qualifierResolvesAgainstTheStreamAlias() throws {
    let q = try Self.query("SELECT c.user_id, c.device.os FROM stdin AS c WHERE c.status = 500")
    let plan = try Self.plan("SELECT c.user_id, c.device.os FROM stdin AS c WHERE c.status = 500")
    #expect(Set(plan.sources[0].fields.map(\.dottedName)) == ["user_id", "device.os", "status"])
    let unqualified = try Self.query("SELECT user_id, device.os FROM stdin WHERE status = 500")
    #expect(q.projections.map(\.description) == unqualified.projections.map(\.description))
    // Without an alias named c, `c.user_id` is a nested path.
    #expect(try Self.extracted("SELECT c.user_id FROM stdin") == ["c.user_id"])
  }

  @Test func derivedStreamInlinesItsFilterAndSource() throws {
    let plan = try Self.plan(
      """
      CREATE STREAM clicks WITH (source = 'clicks.ndjson', timestamp = 'ts');
      CREATE STREAM errors AS SELECT * FROM clicks WHERE status >= 500;
      SELECT url FROM errors WHERE url <> '/health'
      """)
    #expect(plan.sources.count == 1)
    #expect(plan.sources[0].location == .path("clicks.ndjson"))
    let q = try #require(plan.queries.first)
    #expect(plan.queries.count == 1, "a view is not a query of its own")
    #expect(q.eventTime != nil, "the view keeps its source's event time")
    let filter = try #require(q.filter?.description)
    #expect(filter.contains("status") && filter.contains("url"))
  }

  @Test func failedStatementLeavesThePlannerUnchanged() throws {
    var planner = ScriptPlanner()
    _ = try planner.add(
      script: try Parser.parseScript(
        """
        CREATE STREAM clicks WITH (source = 'clicks.ndjson', timestamp = 'ts');
        SELECT url FROM clicks
        """))
    let before = (planner.catalog.entries.map(\.name), planner.plan)
    let failing = [
      "CREATE STREAM s WITH (source = 'x.ndjson', sorce = 'y')",
      "CREATE STREAM clicks WITH (source = 'other.ndjson')",
      "CREATE STREAM v AS SELECT nosuchfn(a) FROM clicks",
      "CREATE STREAM t (a BIGINT, a VARCHAR) WITH (source = 't.ndjson')",
      "SELECT user_id FROM 'new-source.ndjson' WHERE COUNT(*) > 1",
      "SELECT url FROM clicks WHERE status = 1 AND nosuchfn(1)",
      "DROP STREAM missing",
    ]
    for sql in failing {
      let statement = try Parser.parseStatement(sql)
      #expect(throws: Diagnostic.self, "\(sql)") { _ = try planner.add(statement) }
      #expect(planner.catalog.entries.map(\.name) == before.0, "\(sql)")
      #expect(planner.plan == before.1, "\(sql)")
    }
    // And the planner still works afterwards.
    _ = try planner.add(try Parser.parseStatement("CREATE STREAM s WITH (source = 'x.ndjson')"))
    #expect(planner.catalog.entries.map(\.name) == ["clicks", "s"])
  }

  /// Declaring a derived stream, or describing it, must not widen what its source extracts:
  /// only queries that run decide the scan.
  @Test func derivedStreamNobodyReadsExtractsNothing() throws {
    var planner = ScriptPlanner()
    _ = try planner.add(
      script: try Parser.parseScript(
        """
        CREATE STREAM clicks WITH (source = 'clicks.ndjson', timestamp = 'ts');
        SELECT url FROM clicks;
        CREATE STREAM errors AS SELECT * FROM clicks WHERE status >= 500;
        DESCRIBE errors
        """))
    #expect(planner.plan.sources.map { $0.fields.map(\.dottedName) } == [["ts", "url"]])
  }
}
