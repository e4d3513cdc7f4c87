import Planner
import SQLParser

/// A filter comparing a column with a constant, such as
///
///     WHERE status >= 500
///
/// decided without a closure call or a `Value` result per row: when the column holds an
/// integer and the constant is one, the two integers are compared directly (what
/// `ValueOps.binary` does for them); any other value goes through `ValueOps.binary` as the
/// compiled expression would. A comparison never fails, so the row never errs.
struct ColumnComparison {
  let slot: Int
  let op: BinaryOperator
  let constant: Value
  /// The constant is on the left (`500 <= status`).
  let constantFirst: Bool
  /// The constant when it is an integer, matched once here rather than for every row.
  private let integer: Int64?
  /// With an integer constant and any operator but `<>`: the integer column values that pass,
  /// `lo...hi` (empty when `lo > hi`), so that a row costs two comparisons and no switch.
  private let passing: (lo: Int64, hi: Int64)?

  /// The comparison `filter` is, or nil when it is another shape.
  init?(_ filter: BoundExpr) {
    guard case .binary(let op, let l, let r) = filter else { return nil }
    switch op {
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: break
    default: return nil
    }
    switch (l, r) {
    case (.slot(let i, _), .literal(let c)): (slot, constant, constantFirst) = (i, c, false)
    case (.literal(let c), .slot(let i, _)): (slot, constant, constantFirst) = (i, c, true)
    default: return nil
    }
    self.op = op
    if case .int(let c) = constant {
      integer = c
      passing = Self.passingRange(op, c, constantFirst: constantFirst)
    } else {
      integer = nil
      passing = nil
    }
  }

  /// The integers `x` for which `x op c` (`c op x` when `constantFirst`) holds, as a range;
  /// nil for `<>`, which is not one.
  static func passingRange(_ op: BinaryOperator, _ c: Int64, constantFirst: Bool) -> (
    lo: Int64, hi: Int64
  )? {
    // `c < x` is `x > c`, and so on: turned around so that the column is on the left.
    var op = op
    if constantFirst {
      switch op {
      case .less: op = .greater
      case .lessOrEqual: op = .greaterOrEqual
      case .greater: op = .less
      case .greaterOrEqual: op = .lessOrEqual
      default: break
      }
    }
    switch op {
    case .equal: return (c, c)
    case .less: return c == .min ? (1, 0) : (.min, c - 1)
    case .lessOrEqual: return (.min, c)
    case .greater: return c == .max ? (1, 0) : (c + 1, .max)
    case .greaterOrEqual: return (c, .max)
    default: return nil
    }
  }

  /// Whether the row passes: the comparison is TRUE (not FALSE, not NULL).
  @inline(__always)
  func passes(_ row: UnsafeBufferPointer<Value>) -> Bool {
    if let passing, case .int(let x) = row[slot] {
      return x >= passing.lo && x <= passing.hi
    }
    if let c = integer, case .int(let x) = row[slot] {
      let (a, b) = constantFirst ? (c, x) : (x, c)
      switch op {
      case .equal: return a == b
      case .notEqual: return a != b
      case .less: return a < b
      case .lessOrEqual: return a <= b
      case .greater: return a > b
      default: return a >= b
      }
    }
    let result =
      constantFirst
      ? ValueOps.binary(op, constant, row[slot]) : ValueOps.binary(op, row[slot], constant)
    return ValueOps.truthiness(result) == true
  }
}
