/// A recursive-descent parser for the streamsql dialect.
///
/// The entry points are static: `Parser.parseStatement(_:)`, `Parser.parseScript(_:)` and
/// `Parser.parseExpression(_:)`. Each lexes the whole text first, then walks the tokens with a
/// cursor. The grammar is split by area: expressions in `Parser+Expression.swift`, SELECT in
/// `Parser+Select.swift`, WINDOW in `Parser+Window.swift`, the other statements in
/// `Parser+Statement.swift`. Every error is a `Diagnostic` whose span is the offending token (or
/// the end of the text), so the caller can print a caret under it.
///
/// Keywords are reserved only where they would be ambiguous (`reservedWords`): a field named
/// `count`, `type` or `timestamp` is an ordinary column name.
public struct Parser {
  var tokens: [Token]
  var index = 0
  /// How deeply the expression being parsed is nested; see `deepen()`.
  var depth = 0

  /// The deepest expression tree accepted. Parsing, printing and binding recurse over the tree,
  /// so an absurdly nested query must be an error, never a stack overflow.
  static let maxDepth = 256

  init(_ text: String) throws(Diagnostic) {
    tokens = try Lexer.tokenize(text)
  }

  // MARK: - Entry points

  /// Parses exactly one statement; a trailing `;` is allowed.
  ///
  ///     SELECT url, COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url;
  public static func parseStatement(_ text: String) throws(Diagnostic) -> Statement {
    var parser = try Parser(text)
    let statement = try parser.parseStatement()
    _ = parser.consume(.semicolon)
    try parser.expectEnd()
    return statement
  }

  /// Parses a script: statements separated by `;`. The last `;` is optional and empty
  /// statements are skipped.
  public static func parseScript(_ text: String) throws(Diagnostic) -> [Statement] {
    var parser = try Parser(text)
    var statements: [Statement] = []
    while true {
      while parser.consume(.semicolon) {}
      if parser.current.isEnd { return statements }
      statements.append(try parser.parseStatement())
      if !parser.consume(.semicolon) {
        try parser.expectEnd()
      }
    }
  }

  /// Parses a single expression, e.g. for `--where` options or tests.
  public static func parseExpression(_ text: String) throws(Diagnostic) -> Expr {
    var parser = try Parser(text)
    let expr = try parser.parseExpr()
    try parser.expectEnd()
    return expr
  }

  /// Whether `text` ends a statement: its last token is a `;` outside strings and comments.
  ///
  /// The REPL reads lines until this is true. Text with an unterminated string or comment is
  /// never complete.
  public static func isComplete(_ text: String) -> Bool {
    guard let tokens = try? Lexer.tokenize(text), tokens.count >= 2 else { return false }
    return tokens[tokens.count - 2].isSymbol(.semicolon)
  }

  /// Keywords of the dialect, upper case, for tab completion.
  public static let keywords: [String] = [
    "SELECT", "DISTINCT", "FROM", "AS", "TIMESTAMP", "BY", "WINDOW", "TUMBLING", "HOPPING",
    "SLIDING", "SESSION", "SIZE", "ADVANCE", "GAP", "GRACE", "PERIOD", "ROWS", "WHERE", "GROUP",
    "HAVING", "EMIT", "CHANGES", "FINAL", "ORDER", "ASC", "DESC", "NULLS", "FIRST", "LAST", "LIMIT",
    "AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "IN", "BETWEEN", "LIKE", "ILIKE", "ESCAPE",
    "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "TRY_CAST", "EXTRACT", "INTERVAL", "CREATE",
    "STREAM", "STREAMS", "WITH", "INSERT", "INTO", "SHOW", "DESCRIBE", "EXPLAIN", "DROP", "IF",
    "EXISTS", "MILLISECONDS", "SECONDS", "MINUTES", "HOURS", "DAYS", "WEEKS", "BOOLEAN", "BIGINT",
    "DOUBLE", "VARCHAR", "JSON",
  ]

  /// Words that end an expression or a select list and cannot be a bare column name or an
  /// implicit alias. Quote them (`"end"`) to use them as names.
  static let reservedWords: Set<String> = [
    "SELECT", "FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "EMIT", "ORDER", "LIMIT", "AND", "OR",
    "NOT", "AS", "ON", "JOIN", "CASE", "WHEN", "THEN", "ELSE", "END", "IS", "NULL", "TRUE", "FALSE",
    "IN", "BETWEEN", "LIKE", "ILIKE", "DISTINCT",
  ]

  /// Whether `name` (any case) is one of `reservedWords`.
  static func isReserved(_ name: String) -> Bool {
    reservedWords.contains(Token.uppercased(name))
  }

  // MARK: - Cursor

  /// The token under the cursor; `.endOfInput` at the end.
  var current: Token { tokens[index] }

  /// The token `offset` places after the cursor, or the final `.endOfInput`.
  func peek(_ offset: Int = 1) -> Token {
    tokens[min(index + offset, tokens.count - 1)]
  }

  /// Moves past the current token and returns it; never moves past the end.
  @discardableResult
  mutating func advance() -> Token {
    let token = tokens[index]
    if index < tokens.count - 1 { index += 1 }
    return token
  }

  /// The span of the token before the cursor (the last one consumed).
  var previousSpan: SourceSpan { tokens[max(index - 1, 0)].span }

  /// Consumes the keyword if it is next.
  mutating func consume(keyword: String) -> Bool {
    guard current.isKeyword(keyword) else { return false }
    advance()
    return true
  }

  /// Consumes the symbol if it is next.
  mutating func consume(_ symbol: Symbol) -> Bool {
    guard current.isSymbol(symbol) else { return false }
    advance()
    return true
  }

  /// Consumes the keyword or fails with `expected KEYWORD, found 'x'`.
  @discardableResult
  mutating func expect(keyword: String) throws(Diagnostic) -> Token {
    guard current.isKeyword(keyword) else { throw error("expected \(keyword)") }
    return advance()
  }

  /// Consumes the symbol or fails with `expected ')', found 'x'` (or `context` instead).
  @discardableResult
  mutating func expect(_ symbol: Symbol, _ context: String? = nil) throws(Diagnostic) -> Token {
    guard current.isSymbol(symbol) else {
      throw error(context ?? "expected '\(symbol.rawValue)'")
    }
    return advance()
  }

  /// Fails unless the cursor is at the end of the text.
  mutating func expectEnd() throws(Diagnostic) {
    guard current.isEnd else { throw error("expected end of statement") }
  }

  /// A name: an unquoted word that is not reserved, or a quoted identifier.
  ///
  /// Returns the name and whether it was quoted.
  mutating func expectName(_ what: String) throws(Diagnostic) -> (name: String, quoted: Bool) {
    switch current.kind {
    case .word(let text) where !Parser.isReserved(text):
      advance()
      return (text, false)
    case .quotedIdentifier(let text):
      advance()
      return (text, true)
    default:
      throw error("expected \(what)")
    }
  }

  /// Records one more level of nesting; fails once the tree would exceed `maxDepth`.
  mutating func deepen() throws(Diagnostic) {
    depth += 1
    guard depth <= Parser.maxDepth else {
      throw Diagnostic(
        "expression is nested too deeply (more than \(Parser.maxDepth) levels)", span: current.span)
    }
  }

  /// A `Diagnostic` reading `message, found 'token'` at the current token.
  func error(_ message: String, note: String? = nil) -> Diagnostic {
    Diagnostic("\(message), found \(current)", span: current.span, note: note)
  }
}
