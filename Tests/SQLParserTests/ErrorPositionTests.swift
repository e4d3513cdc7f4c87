import Testing

@testable import SQLParser

/// Bad queries fail with a clear message and a caret under the offending token.
///
/// Each case is the query followed by a marker line whose `^` sits under the column where the
/// error's span must start (the marker follows the line the error is on).
@Suite struct ErrorPositionTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var message: String
    var marked: String
    var testDescription: String { message }
  }

  static let cases: [Case] = [
    Case(
      message: "expected a duration after SIZE",
      marked: """
        SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE) GROUP BY url
                                                        ^
        """),
    Case(
      message: "expected FROM, found 'FORM'",
      marked: """
        SELECT COUNT(*) FORM stdin
                        ^
        """),
    Case(
      message: "expected WHERE, found 'WHRE'",
      marked: """
        SELECT * FROM clicks WHRE status = 500
                             ^
        """),
    Case(
      message: "expected ORDER, found 'ORDR'",
      marked: """
        SELECT * FROM clicks WHERE status = 500 ORDR BY url
                                                ^
        """),
    Case(
      message: "unterminated string literal",
      marked: """
        SELECT url FROM stdin WHERE url = '/api
                                          ^
        """),
    Case(
      message: "unterminated quoted identifier",
      marked: """
        SELECT "user-id FROM stdin
               ^
        """),
    Case(
      message: "expected ')' to close '(', found 'FROM'",
      marked: """
        SELECT (a + 1 FROM stdin
                      ^
        """),
    Case(
      message: "expected an expression, found end of input",
      marked: """
        SELECT a FROM stdin WHERE
                                 ^
        """),
    Case(
      message: "the duration after SIZE must be positive",
      marked: """
        SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 0 SECONDS)
                                                         ^
        """),
    Case(
      message: "expected a time unit",
      marked: """
        SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 5 PARSECS)
                                                           ^
        """),
    Case(
      message: "expected TUMBLING, HOPPING, SLIDING or SESSION after WINDOW",
      marked: """
        SELECT COUNT(*) FROM stdin WINDOW ROLLING (SIZE 5 SECONDS)
                                          ^
        """),
    Case(
      message: "expected ADVANCE BY in a HOPPING window",
      marked: """
        SELECT COUNT(*) FROM stdin WINDOW HOPPING (SIZE 5 SECONDS)
                                                                 ^
        """),
    Case(
      message: "GRACE PERIOD is given twice",
      marked: """
        SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 1 SECOND) GRACE PERIOD 2 SECONDS
                                                                                          ^
        """),
    Case(
      message: "expected a type name",
      marked: """
        SELECT CAST(a AS BLOB) FROM stdin
                         ^
        """),
    Case(
      message: "expected NULL after IS, found '5'",
      marked: """
        SELECT a FROM stdin WHERE b IS 5
                                       ^
        """),
    Case(
      message: "expected CHANGES or FINAL after EMIT",
      marked: """
        SELECT a FROM stdin EMIT SOMETIMES
                                 ^
        """),
    Case(
      message: "unexpected character '#'",
      marked: """
        SELECT a # b FROM stdin
                 ^
        """),
    Case(
      message: "expected a row count after LIMIT",
      marked: """
        SELECT a FROM stdin LIMIT ten
                                  ^
        """),
    Case(
      message: "unterminated comment",
      marked: """
        SELECT a FROM stdin /* no end
                            ^
        """),
    Case(
      message: "expected STREAM, found 'TABLE'",
      marked: """
        CREATE TABLE t
               ^
        """),
    Case(
      message: "expected an expression, found 'FROM'",
      marked: """
        SELECT a,
          b +
        FROM stdin
        ^
        """),
    Case(
      message: "expected an expression, found 'FROM'",
      marked: """
        SELECT 1; SELECT FROM stdin
                         ^
        """),
  ]

  /// The query without its marker line, and the 1-based line and column of the marker.
  static func split(_ marked: String) -> (query: String, line: Int, column: Int) {
    var lines = marked.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let markerIndex = lines.lastIndex { line in
      line.contains("^") && line.allSatisfy { $0 == " " || $0 == "^" }
    }!
    let column = lines[markerIndex].prefix { $0 == " " }.count + 1
    lines.remove(at: markerIndex)
    return (lines.joined(separator: "\n"), markerIndex, column)
  }

  static func diagnostic(_ query: String) -> Diagnostic? {
    do {
      _ = try Parser.parseScript(query)
      return nil
    } catch {
      return error
    }
  }

  @Test(arguments: cases)
  func errorPointsAtTheOffendingToken(_ testCase: Case) {
    let (query, line, column) = Self.split(testCase.marked)
    guard let diagnostic = Self.diagnostic(query) else {
      Issue.record("parsed without error: \(query)")
      return
    }
    #expect(diagnostic.message.hasPrefix(testCase.message), "message: \(diagnostic.message)")
    let location = Diagnostic.location(of: diagnostic.span.start, in: query)
    #expect(
      location.line == line && location.column == column,
      "at \(location), expected \(line):\(column)")
  }

  @Test func renderedErrorHasACaretUnderTheToken() throws {
    let query = "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE) GROUP BY url"
    let diagnostic = try #require(Self.diagnostic(query))
    #expect(diagnostic.message == "expected a duration after SIZE")
    let rendered = diagnostic.render(source: query)
    #expect(rendered.hasPrefix("error: expected a duration after SIZE\n"))
    #expect(rendered.contains(" --> query:1:49\n"))
    #expect(rendered.contains("1 | \(query)\n  | " + String(repeating: " ", count: 48) + "^"))
  }

  @Test func deepNestingIsAnErrorNotACrash() throws {
    let fine = String(repeating: "(", count: 100) + "x" + String(repeating: ")", count: 100)
    #expect(try Parser.parseExpression(fine) == Parser.parseExpression("x"))
    let chain = (0..<200).map { "a\($0)" }.joined(separator: " OR ")
    let parsed = try Parser.parseExpression(chain)
    #expect(try Parser.parseExpression(SQLPrinter.print(parsed)) == parsed)
    for bad in [
      String(repeating: "(", count: 100_000) + "x",
      String(repeating: "NOT ", count: 100_000) + "x",
      String(repeating: "- ", count: 100_000) + "x",
      (0..<100_000).map { _ in "1" }.joined(separator: " + "),
      "x" + String(repeating: ".a", count: 100_000),
      "x" + String(repeating: "::int", count: 100_000),
    ] {
      let diagnostic = Self.diagnostic("SELECT " + bad)
      #expect(diagnostic?.message.hasPrefix("expression is nested too deeply") == true)
    }
  }

  @Test func statementTextMustEndAfterOneStatement() {
    let diagnostic = Self.diagnostic("SELECT 1 SELECT 2")
    #expect(diagnostic != nil)
    #expect(throws: Diagnostic.self) { try Parser.parseStatement("SELECT 1; SELECT 2") }
    #expect(throws: Diagnostic.self) { try Parser.parseExpression("a +") }
  }
}
