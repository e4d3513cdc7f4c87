/// The SELECT statement.
///
///     SELECT [DISTINCT] items
///       [FROM stdin | 'path' | stream [[AS] alias] [TIMESTAMP BY expr]]
///       [WINDOW ...] [WHERE cond] [GROUP BY exprs] [HAVING cond]
///       [EMIT CHANGES | FINAL] [ORDER BY expr [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n]
///
/// WINDOW comes after FROM and before WHERE, as in ksqlDB; it is also accepted right after
/// WHERE, since that is where some users look for it. GROUP BY items are plain expressions:
/// an output alias or a position (`GROUP BY 1`) is resolved by the binder.
extension Parser {
  /// A SELECT statement; the cursor is on SELECT.
  mutating func parseSelect() throws(Diagnostic) -> SelectStatement {
    let start = try expect(keyword: "SELECT").span
    let distinct = consume(keyword: "DISTINCT")
    if !distinct { _ = consume(keyword: "ALL") }
    var items: [SelectItem] = []
    repeat {
      items.append(try parseSelectItem())
    } while consume(.comma)

    var select = SelectStatement(distinct: distinct, items: items)
    if consume(keyword: "FROM") {
      select.from = try parseFrom()
      while let join = try parseJoin() { select.joins.append(join) }
    }
    if current.isKeyword("WINDOW") { select.window = try parseWindow(start: advance().span) }
    if consume(keyword: "WHERE") {
      select.whereClause = try parseExpr()
      if select.window == nil && current.isKeyword("WINDOW") {
        select.window = try parseWindow(start: advance().span)
      }
    }
    if consume(keyword: "GROUP") {
      try expect(keyword: "BY")
      repeat {
        select.groupBy.append(try parseExpr())
      } while consume(.comma)
    }
    if consume(keyword: "HAVING") { select.having = try parseExpr() }
    if consume(keyword: "EMIT") {
      if consume(keyword: "CHANGES") {
        select.emit = .changes
      } else if consume(keyword: "FINAL") {
        select.emit = .final
      } else {
        throw error("expected CHANGES or FINAL after EMIT")
      }
    }
    if consume(keyword: "ORDER") {
      try expect(keyword: "BY")
      repeat {
        select.orderBy.append(try parseOrderItem())
      } while consume(.comma)
    }
    if consume(keyword: "LIMIT") {
      guard case .integer(let text) = current.kind, let limit = Int64(text) else {
        throw error("expected a row count after LIMIT")
      }
      advance()
      select.limit = limit
    }
    select.span = start.union(previousSpan)
    try checkSelectEnd(select)
    return select
  }

  /// `*`, `alias.*`, or `expr [[AS] alias]`.
  mutating func parseSelectItem() throws(Diagnostic) -> SelectItem {
    let start = current
    if consume(.star) { return SelectItem(expr: Expr(.star(qualifier: nil), span: start.span)) }
    switch start.kind {
    case .word(let name), .quotedIdentifier(let name):
      let isName: Bool
      if case .word = start.kind { isName = !Parser.isReserved(name) } else { isName = true }
      if isName && peek().isSymbol(.dot) && peek(2).isSymbol(.star) {
        advance()
        advance()
        let end = advance().span
        return SelectItem(expr: Expr(.star(qualifier: name), span: start.span.union(end)))
      }
    default:
      break
    }
    let expr = try parseExpr()
    return SelectItem(expr: expr, alias: try parseAlias())
  }

  /// `AS name`, or a bare name that is not a reserved word (`SELECT a b`); `nil` if none.
  mutating func parseAlias() throws(Diagnostic) -> String? {
    if consume(keyword: "AS") {
      switch current.kind {
      case .word(let name), .quotedIdentifier(let name), .string(let name):
        advance()
        return name
      default:
        throw error("expected an alias after AS")
      }
    }
    switch current.kind {
    case .word(let name) where !Parser.isReserved(name):
      // `FROM s TIMESTAMP BY ts`: TIMESTAMP starts a clause, it is not an alias.
      if current.isKeyword("TIMESTAMP") && peek().isKeyword("BY") { return nil }
      // `FROM s LEFT JOIN t`: LEFT and INNER start a join, they are not aliases.
      if (current.isKeyword("LEFT") || current.isKeyword("INNER"))
        && (peek().isKeyword("JOIN") || peek().isKeyword("OUTER"))
      {
        return nil
      }
      advance()
      return name
    case .quotedIdentifier(let name):
      advance()
      return name
    default:
      return nil
    }
  }

  /// `stdin`, `'path/or/glob'` or a stream name, then `[[AS] alias] [TIMESTAMP BY expr]`.
  mutating func parseFrom() throws(Diagnostic) -> FromClause {
    let token = current
    let source: FromClause.Source
    switch token.kind {
    case .string(let path):
      source = .path(path)
    case .quotedIdentifier(let name):
      source = .stream(name)
    case .word(let name) where !Parser.isReserved(name):
      source = token.isKeyword("STDIN") ? .stdin : .stream(name)
    default:
      throw error("expected stdin, a quoted file path or a stream name after FROM")
    }
    advance()
    var from = FromClause(source: source)
    from.alias = try parseAlias()
    if current.isKeyword("TIMESTAMP") && peek().isKeyword("BY") {
      advance()
      advance()
      from.timestampBy = try parseExpr()
    }
    from.span = token.span.union(previousSpan)
    return from
  }

  /// `[INNER | LEFT [OUTER]] JOIN source [[AS] alias] [TIMESTAMP BY e] ON condition`, or `nil`
  /// when no join follows.
  mutating func parseJoin() throws(Diagnostic) -> JoinClause? {
    let start = current.span
    let kind: JoinClause.Kind
    if consume(keyword: "JOIN") {
      kind = .inner
    } else if current.isKeyword("INNER") && peek().isKeyword("JOIN") {
      advance()
      advance()
      kind = .inner
    } else if current.isKeyword("LEFT") && (peek().isKeyword("JOIN") || peek().isKeyword("OUTER")) {
      advance()
      _ = consume(keyword: "OUTER")
      try expect(keyword: "JOIN")
      kind = .left
    } else {
      return nil
    }
    let right = try parseFrom()
    try expect(keyword: "ON")
    let condition = try parseExpr()
    return JoinClause(
      kind: kind, right: right, condition: condition, span: start.union(previousSpan))
  }

  /// `expr [ASC|DESC] [NULLS FIRST|LAST]`
  mutating func parseOrderItem() throws(Diagnostic) -> OrderItem {
    var item = OrderItem(expr: try parseExpr())
    if consume(keyword: "DESC") {
      item.descending = true
    } else {
      _ = consume(keyword: "ASC")
    }
    if consume(keyword: "NULLS") {
      if consume(keyword: "FIRST") {
        item.nullsFirst = true
      } else if consume(keyword: "LAST") {
        item.nullsFirst = false
      } else {
        throw error("expected FIRST or LAST after NULLS")
      }
    }
    return item
  }

  /// Gives a helpful error when a select statement is followed by something unexpected.
  ///
  /// A misspelt keyword is usually swallowed as an implicit alias (`SELECT a FORM stdin` reads
  /// `FORM` as the alias of `a`), so the real mistake sits before the token that fails. When an
  /// alias looks like a clause keyword and is followed by more text, point at the alias instead.
  func checkSelectEnd(_ select: SelectStatement) throws(Diagnostic) {
    if current.isEnd || current.isSymbol(.semicolon) || current.isSymbol(.rightParen) { return }
    let aliasToken = tokens[max(index - 1, 0)]
    if case .word(let alias) = aliasToken.kind {
      let upper = Token.uppercased(alias)
      for keyword in Parser.clauseKeywords where Parser.isTypo(upper, of: keyword) {
        throw Diagnostic("expected \(keyword), found '\(alias)'", span: aliasToken.span)
      }
    }
    if let word = current.keyword {
      for keyword in Parser.clauseKeywords where Parser.isTypo(word, of: keyword) {
        throw error("expected \(keyword)")
      }
    }
    if select.from == nil && select.window == nil && select.whereClause == nil {
      throw error("expected ',', FROM or end of statement")
    }
    throw error("expected end of statement")
  }

  static let clauseKeywords = [
    "FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "EMIT", "ORDER", "LIMIT", "SELECT",
  ]

  /// Whether `word` is one edit (insert, delete, change, or swap of neighbours) from `keyword`.
  static func isTypo(_ word: String, of keyword: String) -> Bool {
    let a = Array(word.utf8)
    let b = Array(keyword.utf8)
    if a == b || abs(a.count - b.count) > 1 || b.count < 4 { return false }
    var i = 0
    while i < min(a.count, b.count) && a[i] == b[i] { i += 1 }
    if a.count == b.count {
      if a[(i + 1)...] == b[(i + 1)...] { return true }
      return i + 1 < a.count && a[i] == b[i + 1] && a[i + 1] == b[i]
        && a[(i + 2)...] == b[(i + 2)...]
    }
    return a.count > b.count ? a[(i + 1)...] == b[i...] : a[i...] == b[(i + 1)...]
  }
}
