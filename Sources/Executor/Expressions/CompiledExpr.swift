import Planner
import SQLParser

/// A bound expression turned into a tree of closures, evaluated against one row.
///
/// Compilation does once what must not happen per row: constants are folded, LIKE patterns and
/// regular expressions compiled, slots fixed. Evaluation never looks a name up.
struct CompiledExpr {
  typealias Row = UnsafeBufferPointer<Value>
  let evaluate: (Row) throws(RowError) -> Value

  /// The wall clock seen by `now()`, shared by every expression of a run.
  final class Context {
    var now: Int64 = 0
    let regexes = RegexCache()
    init() {}
  }

  init(_ evaluate: @escaping (Row) throws(RowError) -> Value) {
    self.evaluate = evaluate
  }

  init(_ expr: BoundExpr, context: Context) {
    self = CompiledExpr.compile(expr, context)
  }

  static func compile(_ expr: BoundExpr, _ context: Context) -> CompiledExpr {
    if expr.isConstant {
      // Fold: a constant that fails to evaluate stays a per-row error, as written.
      let probe = CompiledExpr.build(expr, context)
      let empty: [Value] = []
      if let value = try? empty.withUnsafeBufferPointer({ (row) throws(RowError) -> Value in
        try probe.evaluate(row)
      }) {
        return CompiledExpr { _ in value }
      }
      return probe
    }
    return build(expr, context)
  }

  private static func build(_ expr: BoundExpr, _ context: Context) -> CompiledExpr {
    switch expr {
    case .literal(let v):
      return CompiledExpr { _ in v }
    case .slot(let i, _):
      return CompiledExpr { row in row[i] }
    case .path(let base, let steps):
      let b = compile(base, context)
      return CompiledExpr { (row) throws(RowError) -> Value in
        let v = try b.evaluate(row)
        guard case .json(let text) = v else { return .null }
        return JSONPathReader.extract(text, steps)
      }
    case .unary(let op, let x):
      let a = compile(x, context)
      switch op {
      case .negate:
        return CompiledExpr { (row) throws(RowError) -> Value in
          ValueOps.negate(try a.evaluate(row))
        }
      case .plus:
        return CompiledExpr { (row) throws(RowError) -> Value in
          let v = try a.evaluate(row)
          return v.numeric == nil && !v.isNull ? .null : v
        }
      case .not:
        return CompiledExpr { (row) throws(RowError) -> Value in ValueOps.not(try a.evaluate(row)) }
      }
    case .binary(let op, let l, let r):
      let a = compile(l, context)
      let b = compile(r, context)
      switch op {
      case .and:
        return CompiledExpr { (row) throws(RowError) -> Value in
          let x = ValueOps.truthiness(try a.evaluate(row))
          if x == false { return .bool(false) }
          let y = ValueOps.truthiness(try b.evaluate(row))
          if y == false { return .bool(false) }
          return x == true && y == true ? .bool(true) : .null
        }
      case .or:
        return CompiledExpr { (row) throws(RowError) -> Value in
          let x = ValueOps.truthiness(try a.evaluate(row))
          if x == true { return .bool(true) }
          let y = ValueOps.truthiness(try b.evaluate(row))
          if y == true { return .bool(true) }
          return x == false && y == false ? .bool(false) : .null
        }
      case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
        // A column against a constant (`status >= 500`), the usual filter: read both directly
        // rather than through two closures.
        switch (l, r) {
        case (.slot(let i, _), .literal(let c)):
          return CompiledExpr { row in ValueOps.binary(op, row[i], c) }
        case (.literal(let c), .slot(let i, _)):
          return CompiledExpr { row in ValueOps.binary(op, c, row[i]) }
        default:
          return CompiledExpr { (row) throws(RowError) -> Value in
            ValueOps.binary(op, try a.evaluate(row), try b.evaluate(row))
          }
        }
      default:
        return CompiledExpr { (row) throws(RowError) -> Value in
          ValueOps.binary(op, try a.evaluate(row), try b.evaluate(row))
        }
      }
    case .between(let x, let lo, let hi, let negated):
      let v = compile(x, context)
      let l = compile(lo, context)
      let h = compile(hi, context)
      return CompiledExpr { (row) throws(RowError) -> Value in
        let value = try v.evaluate(row)
        let result = ValueOps.binary(
          .and, ValueOps.binary(.greaterOrEqual, value, try l.evaluate(row)),
          ValueOps.binary(.lessOrEqual, value, try h.evaluate(row)))
        return negated ? ValueOps.not(result) : result
      }
    case .inList(let x, let list, let negated):
      let v = compile(x, context)
      let items = list.map { compile($0, context) }
      return CompiledExpr { (row) throws(RowError) -> Value in
        let value = try v.evaluate(row)
        if value.isNull { return .null }
        var sawNull = false
        for item in items {
          switch ValueOps.equals(value, try item.evaluate(row)) {
          case true?: return .bool(!negated)
          case nil: sawNull = true
          default: break
          }
        }
        return sawNull ? .null : .bool(negated)
      }
    case .like(let x, let patternExpr, let escape, let ci, let negated):
      let v = compile(x, context)
      let escapeCharacter = escape.flatMap(\.first)
      if case .literal(.string(let p)) = patternExpr {
        let pattern = LikePattern(pattern: p, escape: escapeCharacter, caseInsensitive: ci)
        return CompiledExpr { (row) throws(RowError) -> Value in
          guard case .string(let s) = try v.evaluate(row) else { return .null }
          return .bool(pattern.matches(s) != negated)
        }
      }
      let p = compile(patternExpr, context)
      return CompiledExpr { (row) throws(RowError) -> Value in
        guard case .string(let s) = try v.evaluate(row),
          case .string(let text) = try p.evaluate(row)
        else { return .null }
        return .bool(
          LikePattern(pattern: text, escape: escapeCharacter, caseInsensitive: ci).matches(s)
            != negated)
      }
    case .isNull(let x, let negated):
      let v = compile(x, context)
      return CompiledExpr { (row) throws(RowError) -> Value in
        .bool(try v.evaluate(row).isNull != negated)
      }
    case .caseWhen(let branches, let otherwise):
      let compiled = branches.map { (compile($0.condition, context), compile($0.result, context)) }
      let other = otherwise.map { compile($0, context) }
      return CompiledExpr { (row) throws(RowError) -> Value in
        for (condition, result) in compiled
        where ValueOps.truthiness(try condition.evaluate(row)) == true {
          return try result.evaluate(row)
        }
        return try other?.evaluate(row) ?? .null
      }
    case .cast(let x, let type, let isTry):
      let v = compile(x, context)
      return CompiledExpr { (row) throws(RowError) -> Value in
        let value = try v.evaluate(row)
        if let converted = ValueOps.cast(value, to: type) { return converted }
        if isTry { return .null }
        throw RowError("cannot cast \(value) to \(type.rawValue)")
      }
    case .call(let function, let args):
      let compiled = args.map { compile($0, context) }
      return CompiledExpr { (row) throws(RowError) -> Value in
        var values: [Value] = []
        values.reserveCapacity(compiled.count)
        for arg in compiled { values.append(try arg.evaluate(row)) }
        return try function.evaluate(values, now: context.now, cache: context.regexes)
      }
    case .extract(let field, let x):
      let v = compile(x, context)
      return CompiledExpr { (row) throws(RowError) -> Value in
        guard let ms = ScalarFunction.timestampArgument(try v.evaluate(row)) else { return .null }
        return TimeField.extract(field, from: ms)
      }
    }
  }
}
