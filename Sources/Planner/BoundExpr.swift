import SQLParser

/// An expression after binding: names resolved to slots, functions to `ScalarFunction`s.
///
/// The executor compiles these and never sees the AST. A `slot` indexes the row the expression
/// is evaluated against: the scanned input row before aggregation, the aggregate row
/// (`window_start, window_end, keys..., aggregates...`) after it.
public indirect enum BoundExpr: Sendable, Equatable, CustomStringConvertible {
  /// A constant.
  case literal(Value)
  /// The value in slot `index` of the current row; `name` is for EXPLAIN only.
  case slot(Int, name: String)
  /// A path into a JSON value computed at run time (`payload[k]` with `k` not constant).
  case path(BoundExpr, [PathStep])
  /// `-x`, `+x`, `NOT x`
  case unary(UnaryOperator, BoundExpr)
  /// Arithmetic, comparison, `||`, `AND`, `OR`.
  case binary(BinaryOperator, BoundExpr, BoundExpr)
  /// `x [NOT] BETWEEN low AND high`
  case between(BoundExpr, BoundExpr, BoundExpr, negated: Bool)
  /// `x [NOT] IN (...)`
  case inList(BoundExpr, [BoundExpr], negated: Bool)
  /// `x [NOT] [I]LIKE pattern [ESCAPE e]`; the pattern is usually a literal, compiled once.
  case like(BoundExpr, pattern: BoundExpr, escape: String?, caseInsensitive: Bool, negated: Bool)
  /// `x IS [NOT] NULL`
  case isNull(BoundExpr, negated: Bool)
  /// Searched CASE (a simple CASE is rewritten to equalities by the binder).
  case caseWhen([BoundWhen], otherwise: BoundExpr?)
  /// `CAST`, `TRY_CAST`, `::`
  case cast(BoundExpr, TypeName, isTry: Bool)
  /// A scalar function call.
  case call(ScalarFunction, [BoundExpr])
  /// `EXTRACT(field FROM x)`
  case extract(String, BoundExpr)

  public var description: String { BoundExpr.render(self) }

  /// True when the expression reads no row slot (a constant or `now()`).
  public var isConstant: Bool {
    switch self {
    case .literal: return true
    case .slot: return false
    case .path(let e, _), .unary(_, let e), .isNull(let e, _), .cast(let e, _, _),
      .extract(_, let e):
      return e.isConstant
    case .binary(_, let a, let b): return a.isConstant && b.isConstant
    case .between(let a, let b, let c, _): return a.isConstant && b.isConstant && c.isConstant
    case .inList(let a, let list, _): return a.isConstant && list.allSatisfy(\.isConstant)
    case .like(let a, let p, _, _, _): return a.isConstant && p.isConstant
    case .caseWhen(let branches, let other):
      return branches.allSatisfy { $0.condition.isConstant && $0.result.isConstant }
        && (other?.isConstant ?? true)
    case .call(let f, let args): return f != .now && args.allSatisfy(\.isConstant)
    }
  }

  static func render(_ e: BoundExpr) -> String {
    switch e {
    case .literal(let v): return v.description
    case .slot(_, let name): return name
    case .path(let base, let steps): return "\(render(base))\(steps.map { "[\($0)]" }.joined())"
    case .unary(let op, let x):
      return op == .not ? "NOT \(render(x))" : "\(op.rawValue)\(render(x))"
    case .binary(let op, let a, let b): return "(\(render(a)) \(op.rawValue) \(render(b)))"
    case .between(let x, let lo, let hi, let neg):
      return "(\(render(x))\(neg ? " NOT" : "") BETWEEN \(render(lo)) AND \(render(hi)))"
    case .inList(let x, let list, let neg):
      return "(\(render(x))\(neg ? " NOT" : "") IN (\(list.map(render).joined(separator: ", "))))"
    case .like(let x, let p, _, let ci, let neg):
      return "(\(render(x))\(neg ? " NOT" : "") \(ci ? "ILIKE" : "LIKE") \(render(p)))"
    case .isNull(let x, let neg): return "(\(render(x)) IS \(neg ? "NOT " : "")NULL)"
    case .caseWhen(let branches, let other):
      var s = "CASE"
      for b in branches { s += " WHEN \(render(b.condition)) THEN \(render(b.result))" }
      if let other { s += " ELSE \(render(other))" }
      return s + " END"
    case .cast(let x, let t, let isTry):
      return "\(isTry ? "TRY_CAST" : "CAST")(\(render(x)) AS \(t.rawValue))"
    case .call(let f, let args): return "\(f.rawValue)(\(args.map(render).joined(separator: ", ")))"
    case .extract(let field, let x): return "extract(\(field) FROM \(render(x)))"
    }
  }
}

/// One `WHEN condition THEN result` after binding.
public struct BoundWhen: Sendable, Equatable {
  public var condition: BoundExpr
  public var result: BoundExpr
  public init(condition: BoundExpr, result: BoundExpr) {
    self.condition = condition
    self.result = result
  }
}
