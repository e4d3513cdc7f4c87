/// Expressions, by precedence climbing.
///
/// From loosest to tightest binding:
///
///     OR < AND < NOT < comparison, IS, BETWEEN, IN, LIKE, ILIKE < || < + - < * / %
///        < unary - + < ::type < postfix .name, [expr] < primary
///
/// Comparisons are left-associative (`a = b = c` is `(a = b) = c`), as are all binary operators.
/// A `-` directly before a number is folded into the literal (`-5` is `.literal(.integer(-5))`),
/// so that the smallest BIGINT can be written and constants stay constants.
extension Parser {
  /// Any expression.
  mutating func parseExpr() throws(Diagnostic) -> Expr {
    try deepen()
    defer { depth -= 1 }
    return try parseOr()
  }

  mutating func parseOr() throws(Diagnostic) -> Expr {
    var left = try parseAnd()
    var levels = 0
    defer { depth -= levels }
    while consume(keyword: "OR") {
      try deepen()
      levels += 1
      let right = try parseAnd()
      left = Expr(.binary(.or, left, right), span: left.span.union(right.span))
    }
    return left
  }

  mutating func parseAnd() throws(Diagnostic) -> Expr {
    var left = try parseNot()
    var levels = 0
    defer { depth -= levels }
    while consume(keyword: "AND") {
      try deepen()
      levels += 1
      let right = try parseNot()
      left = Expr(.binary(.and, left, right), span: left.span.union(right.span))
    }
    return left
  }

  mutating func parseNot() throws(Diagnostic) -> Expr {
    guard current.isKeyword("NOT") else { return try parseComparison() }
    let start = advance().span
    try deepen()
    defer { depth -= 1 }
    let operand = try parseNot()
    return Expr(.unary(.not, operand), span: start.union(operand.span))
  }

  /// `a = b`, `a IS [NOT] NULL`, `a [NOT] BETWEEN l AND h`, `a [NOT] IN (...)`,
  /// `a [NOT] LIKE|ILIKE p [ESCAPE e]`.
  mutating func parseComparison() throws(Diagnostic) -> Expr {
    var left = try parseConcat()
    var levels = 0
    defer { depth -= levels }
    while true {
      try deepen()
      levels += 1
      if case .symbol(let symbol) = current.kind, let op = Parser.comparisonOperators[symbol] {
        advance()
        let right = try parseConcat()
        left = Expr(.binary(op, left, right), span: left.span.union(right.span))
        continue
      }
      if consume(keyword: "IS") {
        let negated = consume(keyword: "NOT")
        guard current.isKeyword("NULL") else { throw error("expected NULL after IS") }
        let end = advance().span
        left = Expr(.isNull(left, negated: negated), span: left.span.union(end))
        continue
      }
      var negated = false
      if current.isKeyword("NOT"), let next = peek().keyword,
        ["IN", "BETWEEN", "LIKE", "ILIKE"].contains(next)
      {
        advance()
        negated = true
      }
      if consume(keyword: "BETWEEN") {
        let low = try parseConcat()
        try expect(keyword: "AND")
        let high = try parseConcat()
        left = Expr(
          .between(left, low: low, high: high, negated: negated), span: left.span.union(high.span))
      } else if consume(keyword: "IN") {
        try expect(.leftParen, "expected '(' after IN")
        var list: [Expr] = []
        repeat {
          list.append(try parseExpr())
        } while consume(.comma)
        let end = try expect(.rightParen, "expected ')' to close '('").span
        left = Expr(.inList(left, list, negated: negated), span: left.span.union(end))
      } else if current.isKeyword("LIKE") || current.isKeyword("ILIKE") {
        let caseInsensitive = advance().isKeyword("ILIKE")
        let pattern = try parseConcat()
        var escape: Expr? = nil
        if consume(keyword: "ESCAPE") { escape = try parseConcat() }
        left = Expr(
          .like(
            left, pattern: pattern, escape: escape, caseInsensitive: caseInsensitive,
            negated: negated),
          span: left.span.union(escape?.span ?? pattern.span))
      } else {
        return left
      }
    }
  }

  mutating func parseConcat() throws(Diagnostic) -> Expr {
    var left = try parseAdditive()
    var levels = 0
    defer { depth -= levels }
    while consume(.concat) {
      try deepen()
      levels += 1
      let right = try parseAdditive()
      left = Expr(.binary(.concat, left, right), span: left.span.union(right.span))
    }
    return left
  }

  mutating func parseAdditive() throws(Diagnostic) -> Expr {
    var left = try parseMultiplicative()
    var levels = 0
    defer { depth -= levels }
    while current.isSymbol(.plus) || current.isSymbol(.minus) {
      try deepen()
      levels += 1
      let op: BinaryOperator = advance().isSymbol(.plus) ? .add : .subtract
      let right = try parseMultiplicative()
      left = Expr(.binary(op, left, right), span: left.span.union(right.span))
    }
    return left
  }

  mutating func parseMultiplicative() throws(Diagnostic) -> Expr {
    var left = try parseUnary()
    var levels = 0
    defer { depth -= levels }
    while true {
      let op: BinaryOperator
      if current.isSymbol(.star) {
        op = .multiply
      } else if current.isSymbol(.slash) {
        op = .divide
      } else if current.isSymbol(.percent) {
        op = .modulo
      } else {
        return left
      }
      try deepen()
      levels += 1
      advance()
      let right = try parseUnary()
      left = Expr(.binary(op, left, right), span: left.span.union(right.span))
    }
  }

  /// `-x`, `+x`; `-5` and `-1.5` become negative literals.
  mutating func parseUnary() throws(Diagnostic) -> Expr {
    guard current.isSymbol(.minus) || current.isSymbol(.plus) else { return try parseCast() }
    let sign = advance()
    if sign.isSymbol(.minus) {
      switch current.kind {
      case .integer(let text), .decimal(let text):
        let number = advance()
        let literal = Expr(
          .literal(Parser.numberLiteral("-" + text)), span: sign.span.union(number.span))
        return try parseCastSuffix(parsePostfixSuffix(literal))
      default:
        break
      }
    }
    try deepen()
    defer { depth -= 1 }
    let operand = try parseUnary()
    let op: UnaryOperator = sign.isSymbol(.minus) ? .negate : .plus
    return Expr(.unary(op, operand), span: sign.span.union(operand.span))
  }

  /// `x::type`, repeatable: `x::varchar::bigint`.
  mutating func parseCast() throws(Diagnostic) -> Expr {
    try parseCastSuffix(parsePostfixSuffix(parsePrimary()))
  }

  mutating func parseCastSuffix(_ base: Expr) throws(Diagnostic) -> Expr {
    var expr = base
    var levels = 0
    defer { depth -= levels }
    while consume(.doubleColon) {
      try deepen()
      levels += 1
      let type = try parseTypeName()
      expr = Expr(
        .cast(expr, type, isTry: false, syntax: .doubleColon), span: expr.span.union(previousSpan))
    }
    return expr
  }

  /// `.name` and `[index]` after a primary: `device.os`, `tags[0]`, `payload['odd-key']`.
  mutating func parsePostfixSuffix(_ base: Expr) throws(Diagnostic) -> Expr {
    var expr = base
    var levels = 0
    defer { depth -= levels }
    while true {
      try deepen()
      levels += 1
      if consume(.dot) {
        // Any word is a field name after a dot, even a keyword: `payload.end`.
        switch current.kind {
        case .word(let name), .quotedIdentifier(let name):
          let end = advance().span
          expr = Expr(.member(expr, name), span: expr.span.union(end))
        default:
          throw error("expected a field name after '.'")
        }
      } else if consume(.leftBracket) {
        let index = try parseExpr()
        let end = try expect(.rightBracket, "expected ']' to close '['").span
        expr = Expr(.subscript(expr, index), span: expr.span.union(end))
      } else {
        return expr
      }
    }
  }

  /// Literals, names, function calls, `( expr )`, CASE, CAST, EXTRACT, INTERVAL.
  mutating func parsePrimary() throws(Diagnostic) -> Expr {
    let token = current
    switch token.kind {
    case .integer(let text), .decimal(let text):
      advance()
      return Expr(.literal(Parser.numberLiteral(text)), span: token.span)
    case .string(let text):
      advance()
      return Expr(.literal(.string(text)), span: token.span)
    case .quotedIdentifier(let name):
      advance()
      return Expr(.identifier(name, quoted: true), span: token.span)
    case .symbol(.leftParen):
      advance()
      let inner = try parseExpr()
      let end = try expect(.rightParen, "expected ')' to close '('").span
      return Expr(inner.kind, span: token.span.union(end))
    case .word(let text):
      switch Token.uppercased(text) {
      case "NULL":
        advance()
        return Expr(.literal(.null), span: token.span)
      case "TRUE", "FALSE":
        advance()
        return Expr(.literal(.bool(token.isKeyword("TRUE"))), span: token.span)
      case "CASE":
        return try parseCase()
      case "CAST" where peek().isSymbol(.leftParen), "TRY_CAST" where peek().isSymbol(.leftParen):
        return try parseCastFunction()
      case "EXTRACT" where peek().isSymbol(.leftParen):
        return try parseExtract()
      case "INTERVAL":
        switch peek().kind {
        case .string, .integer, .decimal: return try parseInterval()
        default: break
        }
      default:
        break
      }
      guard !Parser.isReserved(text) else { throw error("expected an expression") }
      advance()
      if current.isSymbol(.leftParen) {
        return try parseFunctionCall(name: Token.lowercased(text), start: token.span)
      }
      return Expr(.identifier(text, quoted: false), span: token.span)
    default:
      throw error("expected an expression")
    }
  }

  /// `name(args)`, `name(*)`, `name(DISTINCT x)`; the cursor is on `(`.
  mutating func parseFunctionCall(name: String, start: SourceSpan) throws(Diagnostic) -> Expr {
    try expect(.leftParen)
    var args: [Expr] = []
    var distinct = false
    var star = false
    if current.isSymbol(.star) && peek().isSymbol(.rightParen) {
      advance()
      star = true
    } else if !current.isSymbol(.rightParen) {
      distinct = consume(keyword: "DISTINCT")
      repeat {
        args.append(try parseExpr())
      } while consume(.comma)
    }
    let end = try expect(.rightParen, "expected ')' to close '('").span
    return Expr(
      .function(name: name, args: args, distinct: distinct, star: star), span: start.union(end))
  }

  /// `CASE [operand] WHEN c THEN r ... [ELSE e] END`
  mutating func parseCase() throws(Diagnostic) -> Expr {
    let start = advance().span
    let operand: Expr? = current.isKeyword("WHEN") ? nil : try parseExpr()
    var branches: [WhenBranch] = []
    while consume(keyword: "WHEN") {
      let condition = try parseExpr()
      try expect(keyword: "THEN")
      let result = try parseExpr()
      branches.append(WhenBranch(condition: condition, result: result))
    }
    guard !branches.isEmpty else { throw error("expected WHEN") }
    let otherwise: Expr? = consume(keyword: "ELSE") ? try parseExpr() : nil
    let end = try expect(keyword: "END").span
    return Expr(
      .caseWhen(operand: operand, branches: branches, otherwise: otherwise), span: start.union(end))
  }

  /// `CAST(x AS type)`, `TRY_CAST(x AS type)`
  mutating func parseCastFunction() throws(Diagnostic) -> Expr {
    let keyword = advance()
    try expect(.leftParen)
    let operand = try parseExpr()
    try expect(keyword: "AS")
    let type = try parseTypeName()
    let end = try expect(.rightParen, "expected ')' to close '('").span
    return Expr(
      .cast(operand, type, isTry: keyword.isKeyword("TRY_CAST"), syntax: .function),
      span: keyword.span.union(end))
  }

  /// `EXTRACT(field FROM x)`; the field is a word or a string, lowercased.
  mutating func parseExtract() throws(Diagnostic) -> Expr {
    let start = advance().span
    try expect(.leftParen)
    let field: String
    switch current.kind {
    case .word(let text), .string(let text):
      advance()
      field = Token.lowercased(text)
    default:
      throw error("expected a field to extract (YEAR, MONTH, DAY, HOUR, EPOCH, ...)")
    }
    try expect(keyword: "FROM")
    let operand = try parseExpr()
    let end = try expect(.rightParen, "expected ')' to close '('").span
    return Expr(.extract(field: field, from: operand), span: start.union(end))
  }

  /// `INTERVAL '5' MINUTE`, `INTERVAL '5 minutes'`, `INTERVAL 5 MINUTES`.
  mutating func parseInterval() throws(Diagnostic) -> Expr {
    let start = advance().span
    let millis = try parseDuration(after: "INTERVAL")
    return Expr(.literal(.interval(milliseconds: millis)), span: start.union(previousSpan))
  }

  /// A type name in a cast or a column list. A length or precision (`VARCHAR(255)`,
  /// `DECIMAL(10, 2)`) is accepted and ignored: values are not bounded by it.
  mutating func parseTypeName() throws(Diagnostic) -> TypeName {
    guard let word = current.keyword, let type = Parser.typeNames[word] else {
      throw error(
        "expected a type name (BOOLEAN, BIGINT, DOUBLE, VARCHAR, TIMESTAMP, INTERVAL, JSON)")
    }
    advance()
    if current.isSymbol(.leftParen), case .integer = peek().kind {
      advance()
      repeat {
        guard case .integer = current.kind else { throw error("expected an integer") }
        advance()
      } while consume(.comma)
      try expect(.rightParen, "expected ')' to close '('")
    }
    return type
  }

  /// An integer literal that does not fit in 64 bits becomes a DOUBLE, as JSON numbers do.
  static func numberLiteral(_ text: String) -> Literal {
    if let value = Int64(text) { return .integer(value) }
    return .double(Double(text) ?? .nan)
  }

  static let comparisonOperators: [Symbol: BinaryOperator] = [
    .equal: .equal, .notEqual: .notEqual, .less: .less, .lessOrEqual: .lessOrEqual,
    .greater: .greater, .greaterOrEqual: .greaterOrEqual,
  ]

  /// Spellings of each type name, upper case.
  static let typeNames: [String: TypeName] = [
    "BOOLEAN": .boolean, "BOOL": .boolean,
    "BIGINT": .bigint, "INT": .bigint, "INTEGER": .bigint, "LONG": .bigint,
    "DOUBLE": .double, "FLOAT": .double, "REAL": .double, "DECIMAL": .double, "NUMERIC": .double,
    "VARCHAR": .varchar, "TEXT": .varchar, "STRING": .varchar, "CHAR": .varchar,
    "TIMESTAMP": .timestamp, "INTERVAL": .interval, "JSON": .json,
  ]
}
