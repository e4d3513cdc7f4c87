import Planner
import Testing

@testable import Executor

/// `AggregateCell` holds COUNT, SUM and AVG for a `GroupTable` and, wrapped in a
/// `CellAccumulator`, for the windows that keep accumulator objects: its results, including the
/// order of floating-point additions and the switch of an overflowing integer SUM to a double,
/// are what a user sees.
@Suite struct AggregateCellTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let values: [Value]
    /// COUNT(*), COUNT(x), SUM(x), AVG(x) and the number of values SUM/AVG ignored.
    let countStar: Int64, count: Int64, sum: Value, average: Value, warnings: Int
    var testDescription: String { "\(values)" }
  }

  static let cases: [Case] = [
    Case(values: [], countStar: 0, count: 0, sum: .null, average: .null, warnings: 0),
    Case(values: [.null, .null], countStar: 2, count: 0, sum: .null, average: .null, warnings: 0),
    Case(
      values: [.int(1), .int(2), .int(3)], countStar: 3, count: 3, sum: .int(6),
      average: .double(2), warnings: 0),
    // An integer total turns real at the first double and adds on in arrival order.
    Case(
      values: [.int(1), .double(0.1), .int(2), .double(0.2), .double(0.3)], countStar: 5, count: 5,
      sum: .double((((1.0 + 0.1) + 2) + 0.2) + 0.3), average: .double(((((1.0 + 0.1) + 2) + 0.2) + 0.3) / 5),
      warnings: 0),
    // The integer total overflows: from there the sum is a double.
    Case(
      values: [.int(.max), .int(1), .int(-5)], countStar: 3, count: 3,
      sum: .double((Double(Int64.max) + 1) - 5),
      average: .double(((Double(Int64.max) + 1) - 5) / 3), warnings: 0),
    // Values that are not numbers are ignored by SUM and AVG and counted as warnings (SPEC 6),
    // but COUNT(x) counts every non-NULL value.
    Case(
      values: [.string("x"), .int(4), .bool(true), .null, .timestamp(5), .double(2.5)],
      countStar: 6, count: 5, sum: .double(6.5), average: .double(6.5 / 2), warnings: 3),
  ]

  static func result(_ kind: AggregateCell.Kind, _ values: [Value]) -> (Value, Int) {
    var cell = AggregateCell()
    var warnings = 0
    for v in values { cell.add(kind, v, warnings: &warnings) }
    return (cell.result(kind), warnings)
  }

  @Test(arguments: cases) func cellsGiveTheAggregates(_ c: Case) {
    #expect(Self.result(.countStar, c.values).0 == .int(c.countStar))
    #expect(Self.result(.count, c.values).0 == .int(c.count))
    #expect(Self.result(.sum, c.values) == (c.sum, c.warnings))
    #expect(Self.result(.average, c.values) == (c.average, c.warnings))
  }

  /// Adding a value read in place (`NumberTags`) leaves the cell and the warnings exactly as
  /// adding a copy of it does, for values of every case.
  @Test(arguments: cases) func inPlaceAddsAsACopyDoes(_ c: Case) throws {
    let tags = try #require(NumberTags.current)
    let long = String(repeating: "long ", count: 10)
    let values =
      c.values + [
        .json("{}"), .string(long), .interval(3), .int(.min), .double(-.infinity), .double(.nan),
      ]
    for kind in [AggregateCell.Kind.countStar, .count, .sum, .average, .trackedCount] {
      var copied = AggregateCell()
      var inPlace = AggregateCell()
      var copiedWarnings = 0
      var inPlaceWarnings = 0
      for v in values {
        copied.add(kind, v, warnings: &copiedWarnings)
        [v].withUnsafeBufferPointer {
          inPlace.add(kind, at: $0.baseAddress!, tags: tags, warnings: &inPlaceWarnings)
        }
      }
      #expect(copiedWarnings == inPlaceWarnings, "\(kind)")
      #expect(copied.integer == inPlace.integer, "\(kind)")
      #expect(copied.real.bitPattern == inPlace.real.bitPattern, "\(kind)")
      #expect(copied.sawValue == inPlace.sawValue && copied.isReal == inPlace.isReal, "\(kind)")
    }
  }

  /// Merging the cells of two halves (how panes and partial results combine) gives the
  /// answer of one cell over both halves, for integer sums exactly.
  @Test func mergedHalvesGiveTheWhole() {
    let first: [Value] = [.int(5), .null, .int(7)]
    let second: [Value] = [.int(.max), .double(0.5)]
    for kind in [AggregateCell.Kind.countStar, .count, .sum, .average] {
      let accumulator = CellAccumulator(kind)
      let other = CellAccumulator(kind)
      var warnings = 0
      for v in first { [v].withUnsafeBufferPointer { accumulator.add($0, time: 0, warnings: &warnings) } }
      for v in second { [v].withUnsafeBufferPointer { other.add($0, time: 0, warnings: &warnings) } }
      accumulator.merge(other)
      let whole = Self.result(kind, first + second).0
      switch kind {
      case .sum: #expect(accumulator.result == .double(Double(Int64.max) + 0.5 + 12), "\(kind)")
      default: #expect(accumulator.result == whole, "\(kind)")
      }
    }
    // COUNT(*) through the accumulator has no argument at all.
    let countStar = CellAccumulator(.countStar)
    var warnings = 0
    [Value]().withUnsafeBufferPointer { countStar.add($0, time: 0, warnings: &warnings) }
    #expect(countStar.result == .int(1))
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
