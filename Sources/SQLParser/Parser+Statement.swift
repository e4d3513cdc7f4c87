/// Top-level statements (SPEC 7).
///
///     SELECT ...
///     CREATE STREAM name [(col type, ...)] [WITH (key = literal, ...)] [AS SELECT ...]
///     INSERT INTO 'target' SELECT ...
///     SHOW STREAMS
///     DESCRIBE name
///     EXPLAIN statement
///     DROP STREAM [IF EXISTS] name
extension Parser {
  /// One statement, without its terminating `;`.
  mutating func parseStatement() throws(Diagnostic) -> Statement {
    let start = current.span
    let kind: Statement.Kind
    switch current.keyword {
    case "SELECT":
      kind = .select(try parseSelect())
    case "CREATE":
      kind = .createStream(try parseCreateStream())
    case "INSERT":
      advance()
      try expect(keyword: "INTO")
      guard case .string(let target) = current.kind else {
        throw error("expected a quoted target path after INSERT INTO")
      }
      advance()
      guard current.isKeyword("SELECT") else { throw error("expected SELECT") }
      kind = .insert(target: target, query: try parseSelect())
    case "SHOW":
      advance()
      try expect(keyword: "STREAMS")
      kind = .showStreams
    case "DESCRIBE":
      advance()
      kind = .describe(name: try expectName("a stream name").name)
    case "EXPLAIN":
      advance()
      kind = .explain(try parseStatement())
    case "DROP":
      advance()
      try expect(keyword: "STREAM")
      var ifExists = false
      if consume(keyword: "IF") {
        try expect(keyword: "EXISTS")
        ifExists = true
      }
      kind = .dropStream(name: try expectName("a stream name").name, ifExists: ifExists)
    default:
      throw error(
        "expected a statement",
        note: "SELECT, CREATE STREAM, INSERT INTO, SHOW STREAMS, DESCRIBE, EXPLAIN or DROP STREAM")
    }
    return Statement(kind, span: start.union(previousSpan))
  }

  /// `CREATE STREAM name [(col type, ...)] [WITH (key = literal, ...)] [AS SELECT ...]`
  mutating func parseCreateStream() throws(Diagnostic) -> CreateStream {
    let start = advance().span
    try expect(keyword: "STREAM")
    var create = CreateStream(name: try expectName("a stream name").name)
    if consume(.leftParen) {
      repeat {
        let nameToken = current
        let (name, _) = try expectName("a column name")
        let type = try parseTypeName()
        create.columns.append(
          ColumnDefinition(name: name, type: type, span: nameToken.span.union(previousSpan)))
      } while consume(.comma)
      try expect(.rightParen, "expected ')' to close '('")
    }
    if consume(keyword: "WITH") {
      try expect(.leftParen, "expected '(' after WITH")
      repeat {
        create.options.append(try parseStreamOption())
      } while consume(.comma)
      try expect(.rightParen, "expected ')' to close '('")
    }
    if consume(keyword: "AS") {
      guard current.isKeyword("SELECT") else { throw error("expected SELECT after AS") }
      create.query = try parseSelect()
    }
    create.span = start.union(previousSpan)
    return create
  }

  /// `key = 'value'`, `key = 42`, `key = TRUE`; the key is lowercased.
  mutating func parseStreamOption() throws(Diagnostic) -> StreamOption {
    let keyToken = current
    let key: String
    switch keyToken.kind {
    case .word(let text), .quotedIdentifier(let text), .string(let text):
      key = Token.lowercased(text)
    default:
      throw error("expected an option name")
    }
    advance()
    try expect(.equal, "expected '=' after the option name")
    let value: Literal
    let negative = consume(.minus)
    switch current.kind {
    case .string(let text) where !negative:
      value = .string(text)
    case .integer(let text), .decimal(let text):
      value = Parser.numberLiteral((negative ? "-" : "") + text)
    case .word where !negative && current.isKeyword("TRUE"):
      value = .bool(true)
    case .word where !negative && current.isKeyword("FALSE"):
      value = .bool(false)
    case .word where !negative && current.isKeyword("NULL"):
      value = .null
    default:
      throw error("expected a literal value for option '\(key)'")
    }
    advance()
    return StreamOption(key: key, value: value, span: keyToken.span.union(previousSpan))
  }
}
