/// The abstract syntax tree of the streamsql dialect.
///
/// Nodes are plain values. Each node carries a `SourceSpan`; equality ignores spans so that
/// `parse(print(ast)) == ast` can be tested directly.

/// An expression with its position in the source.
public struct Expr: Sendable, Equatable, CustomStringConvertible {
  public var kind: Kind
  public var span: SourceSpan

  public init(_ kind: Kind, span: SourceSpan = .synthetic) {
    self.kind = kind
    self.span = span
  }

  public static func == (lhs: Expr, rhs: Expr) -> Bool { lhs.kind == rhs.kind }

  public var description: String { SQLPrinter.print(self) }

  public indirect enum Kind: Sendable, Equatable {
    /// `42`, `1.5`, `'text'`, `TRUE`, `NULL`, `INTERVAL '5' MINUTE`
    case literal(Literal)
    /// `user_id` or `"user-id"` (quoted: any characters).
    case identifier(String, quoted: Bool)
    /// `base.name` — a nested field, or a stream alias qualifier (the binder decides).
    case member(Expr, String)
    /// `base[0]` or `base['odd-key']`.
    case `subscript`(Expr, Expr)
    /// `*` or `alias.*` in a select list; `COUNT(*)` is a `.function` with `star: true`.
    case star(qualifier: String?)
    /// `-x`, `+x`, `NOT x`.
    case unary(UnaryOperator, Expr)
    /// `a + b`, `a AND b`, `a || b`, `a = b`, ...
    case binary(BinaryOperator, Expr, Expr)
    /// `x [NOT] BETWEEN low AND high`
    case between(Expr, low: Expr, high: Expr, negated: Bool)
    /// `x [NOT] IN (a, b, c)`
    case inList(Expr, [Expr], negated: Bool)
    /// `x [NOT] LIKE pattern [ESCAPE e]`, `ILIKE` when `caseInsensitive`.
    case like(Expr, pattern: Expr, escape: Expr?, caseInsensitive: Bool, negated: Bool)
    /// `x IS [NOT] NULL`
    case isNull(Expr, negated: Bool)
    /// `CASE [operand] WHEN a THEN b ... [ELSE c] END`
    case caseWhen(operand: Expr?, branches: [WhenBranch], otherwise: Expr?)
    /// `CAST(x AS type)`, `x::type`, `TRY_CAST(x AS type)`.
    case cast(Expr, TypeName, isTry: Bool, syntax: CastSyntax)
    /// `name(args)`, `COUNT(*)` (`star`), `COUNT(DISTINCT x)` (`distinct`).
    case function(name: String, args: [Expr], distinct: Bool, star: Bool)
    /// `EXTRACT(field FROM x)`; `field` is lowercased (`year`, `month`, `epoch`, ...).
    case extract(field: String, from: Expr)
  }
}

/// One `WHEN condition THEN result` of a CASE expression.
public struct WhenBranch: Sendable, Equatable {
  public var condition: Expr
  public var result: Expr
  public init(condition: Expr, result: Expr) {
    self.condition = condition
    self.result = result
  }
}

/// How a cast was written, so the printer reproduces it.
public enum CastSyntax: Sendable, Equatable {
  /// `CAST(x AS t)` / `TRY_CAST(x AS t)`
  case function
  /// `x::t`
  case doubleColon
}

/// A literal value as written.
public enum Literal: Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  /// `1.5`, `2e3`: a number with a fraction or exponent.
  case double(Double)
  case string(String)
  /// `INTERVAL '5' MINUTE` or `INTERVAL '5 minutes'`, normalised to milliseconds.
  case interval(milliseconds: Int64)
}

public enum UnaryOperator: String, Sendable, Equatable {
  case negate = "-"
  case plus = "+"
  case not = "NOT"
}

public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case modulo = "%"
  case concat = "||"
  case equal = "="
  case notEqual = "<>"
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  case and = "AND"
  case or = "OR"
}

/// A type name in a CAST or a column declaration.
public enum TypeName: String, Sendable, Equatable, CaseIterable {
  case boolean = "BOOLEAN"
  case bigint = "BIGINT"
  case double = "DOUBLE"
  case varchar = "VARCHAR"
  case timestamp = "TIMESTAMP"
  case interval = "INTERVAL"
  case json = "JSON"
}
