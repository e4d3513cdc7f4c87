/// Turns an AST back into SQL text that parses to the same AST.
///
/// The text is also what users see: the name of an unaliased output column is its expression
/// text (SPEC 3), so common expressions print as a person writes them (`a + 1`,
/// `lower(country)`, `status >= 500`) and parentheses appear only where precedence needs them.
/// Quoted identifiers stay quoted, names that are not plain words or are reserved words are
/// quoted, strings are escaped, doubles print in their shortest exact form, and durations print
/// in the largest unit that divides them exactly (`90 SECONDS`, `100 MILLISECONDS`).
///
///     Parser.parseStatement(SQLPrinter.print(statement)) == statement
public enum SQLPrinter {
  /// The SQL text of an expression.
  public static func print(_ expr: Expr) -> String {
    render(expr).text
  }

  /// The SQL text of a statement, without a trailing `;`.
  public static func print(_ statement: Statement) -> String {
    switch statement.kind {
    case .select(let select):
      return print(select)
    case .createStream(let create):
      return print(create)
    case .insert(let target, let query):
      return "INSERT INTO \(quoteString(target)) \(print(query))"
    case .showStreams:
      return "SHOW STREAMS"
    case .describe(let stream):
      return "DESCRIBE \(name(stream))"
    case .explain(let inner):
      return "EXPLAIN \(print(inner))"
    case .dropStream(let stream, let ifExists):
      // A stream named `if` is quoted without IF EXISTS, or it would read as that clause.
      let streamName =
        !ifExists && Token.uppercased(stream) == "IF" ? quoteIdentifier(stream) : name(stream)
      return "DROP STREAM \(ifExists ? "IF EXISTS " : "")\(streamName)"
    }
  }

  /// A script: each statement followed by `;`, one per line.
  public static func print(_ statements: [Statement]) -> String {
    statements.map { print($0) + ";\n" }.joined()
  }

  /// The SQL text of a SELECT statement, clauses in canonical order.
  public static func print(_ select: SelectStatement) -> String {
    var out = "SELECT "
    if select.distinct { out += "DISTINCT " }
    out += select.items.map(print).joined(separator: ", ")
    if let from = select.from { out += " FROM " + print(from) }
    for join in select.joins {
      out += join.kind == .left ? " LEFT JOIN " : " JOIN "
      out += print(join.right) + " ON " + print(join.condition)
    }
    if let window = select.window { out += " WINDOW \(print(window))" }
    if let condition = select.whereClause { out += " WHERE \(print(condition))" }
    if !select.groupBy.isEmpty {
      out += " GROUP BY " + select.groupBy.map { print($0) }.joined(separator: ", ")
    }
    if let having = select.having { out += " HAVING \(print(having))" }
    if let emit = select.emit { out += " EMIT \(emit.rawValue)" }
    if !select.orderBy.isEmpty {
      out += " ORDER BY " + select.orderBy.map(print).joined(separator: ", ")
    }
    if let limit = select.limit { out += " LIMIT \(limit)" }
    return out
  }

  /// `TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)` and the other window shapes.
  public static func print(_ window: WindowSpec) -> String {
    var out: String
    switch window.kind {
    case .tumbling(let size):
      out = "TUMBLING (SIZE \(duration(size))"
    case .hopping(let size, let step):
      out = "HOPPING (SIZE \(duration(size)), ADVANCE BY \(duration(step))"
    case .sliding(let size):
      out = "SLIDING (SIZE \(duration(size))"
    case .session(let gap):
      out = "SESSION (GAP \(duration(gap))"
    case .tumblingRows(let size):
      out = "TUMBLING (SIZE \(size) ROWS"
    case .hoppingRows(let size, let step):
      out = "HOPPING (SIZE \(size) ROWS, ADVANCE BY \(step) ROWS"
    }
    if let grace = window.graceMillis { out += ", GRACE PERIOD \(duration(grace))" }
    return out + ")"
  }

  /// A duration in the largest unit that divides it exactly: `90 SECONDS`, `1 MINUTE`.
  public static func duration(_ millis: Int64) -> String {
    let (amount, unit) = exactUnit(millis)
    return "\(amount) \(unit)\(amount == 1 ? "" : "S")"
  }

  // MARK: - Pieces

  /// `source [AS alias] [TIMESTAMP BY expr]`
  static func print(_ from: FromClause) -> String {
    var out: String
    switch from.source {
    case .stdin: out = "stdin"
    case .path(let path): out = quoteString(path)
    case .stream(let stream):
      out = Token.lowercased(stream) == "stdin" ? quoteIdentifier(stream) : name(stream)
    }
    if let alias = from.alias { out += " AS \(name(alias))" }
    if let timestamp = from.timestampBy { out += " TIMESTAMP BY \(print(timestamp))" }
    return out
  }

  static func print(_ item: SelectItem) -> String {
    var out = print(item.expr)
    if let alias = item.alias { out += " AS \(name(alias))" }
    return out
  }

  static func print(_ item: OrderItem) -> String {
    var out = print(item.expr)
    if item.descending { out += " DESC" }
    if let nullsFirst = item.nullsFirst { out += nullsFirst ? " NULLS FIRST" : " NULLS LAST" }
    return out
  }

  static func print(_ create: CreateStream) -> String {
    var out = "CREATE STREAM \(name(create.name))"
    if !create.columns.isEmpty {
      out +=
        " ("
        + create.columns.map { "\(name($0.name)) \($0.type.rawValue)" }
        .joined(separator: ", ") + ")"
    }
    if !create.options.isEmpty {
      out +=
        " WITH ("
        + create.options.map { option in
          let key = isPlainWord(option.key) ? option.key : quoteString(option.key)
          return "\(key) = \(print(option.value))"
        }.joined(separator: ", ") + ")"
    }
    if let query = create.query { out += " AS \(print(query))" }
    return out
  }

  static func print(_ literal: Literal) -> String {
    switch literal {
    case .null: return "NULL"
    case .bool(let value): return value ? "TRUE" : "FALSE"
    case .integer(let value): return String(value)
    case .double(let value):
      if value.isNaN { return "CAST('NaN' AS DOUBLE)" }
      if value.isInfinite { return value < 0 ? "-1e999" : "1e999" }
      return value.description
    case .string(let value): return quoteString(value)
    case .interval(let millis):
      let (amount, unit) = exactUnit(millis)
      return "INTERVAL '\(amount) \(Token.lowercased(unit))\(amount == 1 ? "" : "s")'"
    }
  }

  /// `(amount, UNIT)` with the largest unit dividing `millis`; zero is `0 SECONDS`.
  static func exactUnit(_ millis: Int64) -> (Int64, String) {
    if millis == 0 { return (0, "SECOND") }
    let units: [(Int64, String)] = [
      (86_400_000, "DAY"), (3_600_000, "HOUR"), (60_000, "MINUTE"), (1000, "SECOND"),
    ]
    for (size, unit) in units where millis % size == 0 { return (millis / size, unit) }
    return (millis, "MILLISECOND")
  }

  /// A name for a stream, alias, column or field: bare when it is a plain, unreserved word.
  public static func name(_ name: String) -> String {
    isPlainWord(name) && !Parser.isReserved(name) ? name : quoteIdentifier(name)
  }

  /// `"text"` with `"` doubled.
  public static func quoteIdentifier(_ name: String) -> String {
    "\"" + replacing(name, "\"", with: "\"\"") + "\""
  }

  /// `'text'` with `'` doubled.
  public static func quoteString(_ text: String) -> String {
    "'" + replacing(text, "'", with: "''") + "'"
  }

  /// Whether `text` lexes as one unquoted word.
  static func isPlainWord(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard let first = bytes.first, Lexer.isIdentifierStart(first) else { return false }
    return bytes.allSatisfy(Lexer.isIdentifierPart)
  }

  /// Replaces every `target` scalar. Scalars, not Characters: a quote followed by a combining
  /// mark is one Character but still a quote to the lexer, which reads bytes.
  static func replacing(_ text: String, _ target: Unicode.Scalar, with replacement: String)
    -> String
  {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if scalar == target {
        out.append(contentsOf: replacement.unicodeScalars)
      } else {
        out.append(scalar)
      }
    }
    return String(out)
  }
}
