import Planner
import Testing

@testable import Executor

/// `AggregateCell` must give exactly what the accumulator of the same aggregate gives: a group's
/// answer must not depend on which form holds it.
@Suite struct AggregateCellTests {
  static let sequences: [[Value]] = [
    [],
    [.null, .null],
    [.int(1), .int(2), .int(3)],
    [.int(1), .double(0.1), .int(2), .double(0.2), .double(0.3)],
    [.double(0.1), .double(0.2), .double(0.3), .int(7)],
    // The integer total overflows: the sum turns real, as SumAccumulator does.
    [.int(.max), .int(1), .int(-5)],
    [.int(.min), .int(-1), .double(1.5)],
    [.string("x"), .int(4), .bool(true), .null, .timestamp(5), .double(2.5)],
  ]

  static func cellResult(_ kind: AggregateCell.Kind, _ values: [Value]) -> (Value, Int) {
    var cell = AggregateCell()
    var warnings = 0
    for v in values { cell.add(kind, v, warnings: &warnings) }
    return (cell.result(kind), warnings)
  }

  static func accumulatorResult(_ a: Accumulator, _ values: [Value]) -> (Value, Int) {
    var warnings = 0
    for v in values {
      [v].withUnsafeBufferPointer { a.add($0, time: 0, warnings: &warnings) }
    }
    return (a.result, warnings)
  }

  @Test(arguments: sequences) func cellsMatchAccumulators(_ values: [Value]) {
    let pairs: [(AggregateCell.Kind, Accumulator)] = [
      (.countStar, CountStarAccumulator()), (.count, CountAccumulator()),
      (.sum, SumAccumulator()), (.average, AverageAccumulator()),
    ]
    for (kind, accumulator) in pairs {
      let cell = Self.cellResult(kind, values)
      let expected = Self.accumulatorResult(accumulator, values)
      #expect(cell.0 == expected.0, "\(kind) result")
      #expect(cell.1 == expected.1, "\(kind) warnings")
    }
  }

  static func kind(
    _ function: AggregateFunction, _ arguments: [BoundExpr], distinct: Bool = false,
    tracked: Bool = false
  ) -> AggregateCell.Kind? {
    AggregateCell.kind(
      of: AggregateCall(function: function, arguments: arguments, distinct: distinct),
      tracked: tracked)
  }

  @Test func cellKindsFollowTheCall() {
    let x = BoundExpr.slot(0, name: "v")
    #expect(Self.kind(.count, []) == .countStar)
    #expect(Self.kind(.count, [x]) == .count)
    #expect(Self.kind(.sum, [x]) == .sum)
    #expect(Self.kind(.avg, [x]) == .average)
    // DISTINCT, unless a tracker counts it, and other functions keep an accumulator.
    #expect(Self.kind(.sum, [x], distinct: true) == nil)
    #expect(Self.kind(.count, [x], distinct: true) == nil)
    #expect(Self.kind(.count, [x], distinct: true, tracked: true) == .trackedCount)
    #expect(Self.kind(.min, [x]) == nil)
  }

  /// Cells and accumulators side by side in one window, including a SUM whose integer total
  /// overflows into a double.
  @Test func mixedCellsAndAccumulatorsInAWindow() throws {
    let rows = try QueryHarness.rows(
      """
      SELECT k, COUNT(*) AS n, COUNT(v) AS c, SUM(v) AS s, AVG(v) AS a, MIN(v) AS lo, MAX(v) AS hi
      FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k
      """,
      [
        #"{"ts":1,"k":"a","v":9223372036854775807}"#, #"{"ts":2,"k":"b","v":1.5}"#,
        #"{"ts":3,"k":"a","v":1}"#, #"{"ts":4,"k":"b"}"#, #"{"ts":5,"k":"a","v":"x"}"#,
        #"{"ts":11,"k":"b","v":2}"#,
      ])
    #expect(
      rows == [
        #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":"a","n":3,"c":3,"s":9.223372036854776e+18,"a":4.611686018427388e+18,"lo":1,"hi":9223372036854775807}"#,
        #"{"window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","k":"b","n":2,"c":1,"s":1.5,"a":1.5,"lo":1.5,"hi":1.5}"#,
        #"{"window_start":"1970-01-01T00:00:10.000Z","window_end":"1970-01-01T00:00:20.000Z","k":"b","n":1,"c":1,"s":2,"a":2.0,"lo":2,"hi":2}"#,
      ])
  }
}
