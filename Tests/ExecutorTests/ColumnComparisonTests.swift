import Planner
import SQLParser
import Testing

@testable import Executor

/// `ColumnComparison` decides `column <op> constant` filters on its own; it must agree with the
/// compiled expression (`ValueOps.binary`, then TRUE passes) for every kind of value.
@Suite struct ColumnComparisonTests {
  static let values: [Value] = [
    .null, .int(499), .int(500), .int(501), .int(.min), .int(.max), .int(.min + 1), .int(.max - 1),
    .int(0), .int(-1), .int(1), .double(500), .double(499.5),
    .double(.nan), .string("500"), .string("abc"), .bool(true), .timestamp(500), .json("500"),
  ]
  static let ops: [BinaryOperator] = [
    .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual,
  ]

  /// Integer constants at the ends of the range too: the integers that pass are a range
  /// (`passingRange`), empty for `x < Int64.min` and `x > Int64.max`.
  @Test(arguments: [
    Value.int(500), .int(.min), .int(.max), .int(0), .int(-1), .double(500.5), .string("abc"),
    .null, .timestamp(500),
  ])
  func agreesWithTheExpression(constant: Value) throws {
    let column = BoundExpr.slot(0, name: "x")
    for op in Self.ops {
      for constantFirst in [false, true] {
        let expr: BoundExpr =
          constantFirst
          ? .binary(op, .literal(constant), column) : .binary(op, column, .literal(constant))
        let comparison = try #require(ColumnComparison(expr))
        for v in Self.values {
          let expected =
            constantFirst ? ValueOps.binary(op, constant, v) : ValueOps.binary(op, v, constant)
          let passes = [v].withUnsafeBufferPointer { comparison.passes($0) }
          #expect(passes == (ValueOps.truthiness(expected) == true), "\(v) \(op) \(constant)")
        }
      }
    }
  }

  @Test func otherShapesAreNotComparisons() {
    let x = BoundExpr.slot(0, name: "x")
    #expect(ColumnComparison(.binary(.add, x, .literal(.int(1)))) == nil)
    #expect(ColumnComparison(.binary(.less, x, x)) == nil)
    #expect(ColumnComparison(.isNull(x, negated: false)) == nil)
  }
}
