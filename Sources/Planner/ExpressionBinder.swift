import SQLParser

/// Shared state of one aggregate query while its expressions are bound: the group keys and the
/// aggregate calls found so far (identical calls share one slot).
final class AggregationContext {
  let groupKeys: [BoundExpr]
  let windowed: Bool
  private(set) var aggregates: [AggregateCall] = []

  init(groupKeys: [BoundExpr], windowed: Bool) {
    self.groupKeys = groupKeys
    self.windowed = windowed
  }

  /// The aggregate-row slot of `call`, registering it on first use.
  func slot(for call: AggregateCall) -> Int {
    if let i = aggregates.firstIndex(of: call) { return QueryPlan.keyOffset + groupKeys.count + i }
    aggregates.append(call)
    return QueryPlan.keyOffset + groupKeys.count + aggregates.count - 1
  }
}

/// Turns AST expressions into `BoundExpr`s.
///
/// Without an `AggregationContext` it binds against the scanned row and rejects aggregates.
/// With one, it binds against the aggregate row: aggregate calls and group keys become slots,
/// and a bare column that is neither is an error, as in every SQL engine.
struct ExpressionBinder {
  var scope: Scope
  var aggregation: AggregationContext?
  /// Output aliases usable by name (HAVING, ORDER BY), mapped to their expressions.
  var aliases: [String: Expr] = [:]

  init(scope: Scope, aggregation: AggregationContext? = nil, aliases: [String: Expr] = [:]) {
    self.scope = scope
    self.aggregation = aggregation
    self.aliases = aliases
  }

  /// The static field path of `a.b[0]['c']`, or nil if `e` is not a path.
  static func path(of e: Expr) -> FieldPath? {
    switch e.kind {
    case .identifier(let name, _): return [.key(name)]
    case .member(let base, let name):
      guard let p = path(of: base) else { return nil }
      return p + [.key(name)]
    case .subscript(let base, let index):
      guard let p = path(of: base) else { return nil }
      switch index.kind {
      case .literal(.integer(let i)) where i >= 0 && i <= Int64(Int32.max):
        return p + [.index(Int(i))]
      case .literal(.string(let k)): return p + [.key(k)]
      default: return nil
      }
    default: return nil
    }
  }

  static func value(of literal: Literal) -> Value {
    switch literal {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .integer(let i): return .int(i)
    case .double(let d): return .double(d)
    case .string(let s): return .string(s)
    case .interval(let ms): return .interval(ms)
    }
  }

  static let windowStartNames: Set<String> = ["window_start", "windowstart"]
  static let windowEndNames: Set<String> = ["window_end", "windowend"]

  func bind(_ e: Expr) throws(Diagnostic) -> BoundExpr {
    if let aggregation {
      if case .function(let name, let args, let distinct, let star) = e.kind,
        let fn = AggregateFunction.lookup(name)
      {
        let call = try bindAggregateCall(fn, name, args, distinct, star, e.span)
        return .slot(aggregation.slot(for: call), name: call.description)
      }
      if case .identifier(let name, _) = e.kind {
        if let aliased = aliases[name] {
          var inner = self
          inner.aliases[name] = nil
          return try inner.bind(aliased)
        }
        if aggregation.windowed && ExpressionBinder.windowStartNames.contains(name.lowercased()) {
          return .slot(0, name: "window_start")
        }
        if aggregation.windowed && ExpressionBinder.windowEndNames.contains(name.lowercased()) {
          return .slot(1, name: "window_end")
        }
      }
      // A sub-expression equal to a group key reads the key's slot.
      let rowBinder = ExpressionBinder(scope: scope)
      if let asRow = try? rowBinder.bind(e) {
        if let k = aggregation.groupKeys.firstIndex(of: asRow) {
          return .slot(QueryPlan.keyOffset + k, name: asRow.description)
        }
        if asRow.isConstant { return asRow }
      }
      if ExpressionBinder.path(of: e) != nil {
        throw Diagnostic(
          "column '\(SQLPrinter.print(e))' must appear in GROUP BY or be used in an aggregate function",
          span: e.span)
      }
    }
    return try bindStructure(e)
  }

  private func bindAggregateCall(
    _ fn: AggregateFunction, _ name: String, _ args: [Expr], _ distinct: Bool, _ star: Bool,
    _ span: SourceSpan
  ) throws(Diagnostic) -> AggregateCall {
    if star && fn != .count {
      throw Diagnostic("\(name)(*) is not allowed; only COUNT(*)", span: span)
    }
    if !star && !fn.arity.contains(args.count) || (fn == .count && !star && args.isEmpty) {
      throw Diagnostic("wrong number of arguments for \(name.lowercased())", span: span)
    }
    let rowBinder = ExpressionBinder(scope: scope)
    var bound: [BoundExpr] = []
    for arg in args {
      if case .function(let inner, _, _, _) = arg.kind, AggregateFunction.lookup(inner) != nil {
        throw Diagnostic("aggregate function calls cannot be nested", span: arg.span)
      }
      bound.append(try rowBinder.bind(arg))
    }
    if fn == .approxPercentile || fn == .topK {
      guard bound[1].isConstant else {
        throw Diagnostic(
          "the second argument of \(fn.rawValue) must be a constant", span: args[1].span)
      }
    }
    return AggregateCall(function: fn, arguments: bound, distinct: distinct)
  }

  private func bindStructure(_ e: Expr) throws(Diagnostic) -> BoundExpr {
    switch e.kind {
    case .literal(let lit):
      return .literal(ExpressionBinder.value(of: lit))
    case .identifier, .member, .subscript:
      if let path = ExpressionBinder.path(of: e) {
        return try scope.resolve(path, span: e.span)
      }
      if case .subscript(let base, let index) = e.kind {
        _ = base
        throw Diagnostic("a subscript must be a constant number or string", span: index.span)
      }
      if case .member(let base, let name) = e.kind {
        return .path(try bind(base), [.key(name)])
      }
      throw Diagnostic("cannot bind this expression", span: e.span)
    case .star:
      throw Diagnostic("'*' is only allowed in the select list or COUNT(*)", span: e.span)
    case .unary(let op, let x):
      return .unary(op, try bind(x))
    case .binary(let op, let a, let b):
      return .binary(op, try bind(a), try bind(b))
    case .between(let x, let lo, let hi, let negated):
      return .between(try bind(x), try bind(lo), try bind(hi), negated: negated)
    case .inList(let x, let list, let negated):
      var items: [BoundExpr] = []
      for item in list { items.append(try bind(item)) }
      return .inList(try bind(x), items, negated: negated)
    case .like(let x, let pattern, let escape, let ci, let negated):
      var escapeText: String?
      if let escape {
        guard case .literal(.string(let s)) = escape.kind, s.count == 1 else {
          throw Diagnostic("ESCAPE takes a single-character string", span: escape.span)
        }
        escapeText = s
      }
      return .like(
        try bind(x), pattern: try bind(pattern), escape: escapeText, caseInsensitive: ci,
        negated: negated)
    case .isNull(let x, let negated):
      return .isNull(try bind(x), negated: negated)
    case .caseWhen(let operand, let branches, let otherwise):
      let boundOperand = try operand.map { (o) throws(Diagnostic) in try bind(o) }
      var bound: [BoundWhen] = []
      for branch in branches {
        var condition = try bind(branch.condition)
        if let boundOperand { condition = .binary(.equal, boundOperand, condition) }
        bound.append(BoundWhen(condition: condition, result: try bind(branch.result)))
      }
      return .caseWhen(
        bound, otherwise: try otherwise.map { (o) throws(Diagnostic) in try bind(o) })
    case .cast(let x, let type, let isTry, _):
      return .cast(try bind(x), type, isTry: isTry)
    case .extract(let field, let x):
      guard ExpressionBinder.extractFields.contains(field.lowercased()) else {
        throw Diagnostic(
          "unknown EXTRACT field '\(field)'", span: e.span,
          note: Scope.suggest(field, among: ExpressionBinder.extractFields.sorted()))
      }
      return .extract(field.lowercased(), try bind(x))
    case .function(let name, let args, _, let star):
      if AggregateFunction.lookup(name) != nil {
        throw Diagnostic(
          "aggregate function '\(name.lowercased())' is not allowed here", span: e.span)
      }
      guard let fn = ScalarFunction.lookup(name) else {
        let candidates = ScalarFunction.allNames + AggregateFunction.allCases.map(\.rawValue)
        throw Diagnostic(
          "unknown function '\(name)'", span: e.span, note: Scope.suggest(name, among: candidates))
      }
      if star { throw Diagnostic("\(name)(*) is not allowed", span: e.span) }
      guard fn.arity.contains(args.count) else {
        throw Diagnostic(
          "wrong number of arguments for \(name.lowercased()) (got \(args.count))", span: e.span)
      }
      var bound: [BoundExpr] = []
      for arg in args { bound.append(try bind(arg)) }
      return .call(fn, bound)
    }
  }

  static let extractFields: Set<String> = [
    "year", "quarter", "month", "week", "day", "dow", "isodow", "doy", "hour", "minute", "second",
    "millisecond", "milliseconds", "epoch",
  ]
}
