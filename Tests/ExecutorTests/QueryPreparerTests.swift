import Planner
import SQLParser
import Testing

@testable import Executor

/// `QueryPreparer` prepares a query whose outputs and event time are bare columns on its own
/// path (`prepareColumns`). The same query with one output computed (COALESCE(w) is w) goes
/// the general way; both must keep, drop and reject the same rows for the same reasons.
@Suite struct QueryPreparerTests {
  static let lines = [
    #"{"ts":"1970-01-01T00:00:01Z","v":5,"w":"a"}"#,
    #"{"ts":2,"v":0,"w":"b"}"#,  // epoch seconds; fails the filter
    #"{"v":7,"w":"c"}"#,  // no event time: a bad row
    #"{"ts":"yesterday","v":7,"w":"d"}"#,  // not a time: a bad row
    #"{"ts":3.5,"v":"x","w":"e"}"#,  // CAST fails: a bad row
    #"{"ts":"4","v":"9","w":null}"#,  // a number in a string, as time and as CAST
    #"{"ts":5,"w":"g"}"#,  // v NULL: the filter is NULL, the row is dropped
    #"{"ts":6,"v":2.0,"w":"h"}"#,
  ]

  static func outcome(_ w: String, filter: String) throws -> QueryHarness.Outcome {
    try QueryHarness.run(
      "SELECT ts, v, \(w) AS w FROM stdin TIMESTAMP BY ts WHERE \(filter)", lines: lines)
  }

  @Test(arguments: ["CAST(v AS BIGINT) > 1", "v >= 1", "1 <= v", "TRUE"])
  func columnsMatchTheGeneralPath(filter: String) throws {
    let columns = try Self.outcome("w", filter: filter)
    let general = try Self.outcome("COALESCE(w, NULL)", filter: filter)
    #expect(columns.output == general.output)
    #expect(columns.stats.badRows == general.stats.badRows)
    #expect(!columns.output.isEmpty)
  }

  @Test func rowsKeptAndRejected() throws {
    let outcome = try Self.outcome("w", filter: "CAST(v AS BIGINT) > 1")
    let rows = outcome.output.split(separator: "\n").map(String.init)
    #expect(rows.count == 3)
    #expect(rows.allSatisfy { !$0.contains(#""w":"b""#) && !$0.contains(#""w":"g""#) })
    #expect(outcome.stats.badRows == 3)
  }
}

/// `prepareColumns` moving the values it outputs (the last query of a piece) and copying them:
/// the same rows, times, offsets and values, whether every output moves (a loop without a test
/// per value) or only some (a column output twice is copied the first time); moving leaves
/// NULL in the moved slots and nothing else changed.
@Test(arguments: [
  "SELECT w, v FROM stdin TIMESTAMP BY ts WHERE v >= 1",
  "SELECT w, v, w AS again FROM stdin TIMESTAMP BY ts WHERE v >= 1",
  "SELECT w FROM stdin WHERE v >= 1",
])
func preparedValuesAreTheSameMovedOrCopied(query: String) throws {
  var planner = ScriptPlanner()
  _ = try planner.add(script: try Parser.parseScript(query))
  let plan = planner.plan
  let fields = plan.sources[0].fields
  let extractor = FieldExtractor(paths: fields)
  var scanned: [Value] = []
  let long = #"{"ts":7,"v":3,"w":"a longer string than fifteen bytes"}"#
  for line in QueryPreparerTests.lines + [long] {
    let result = Array(line.utf8).withUnsafeBytes { extractor.extract($0) }
    guard case .success(let row) = result else { continue }
    scanned += row
  }
  let count = scanned.count / fields.count
  var copied = scanned
  var moved = scanned
  let copy = copied.withUnsafeMutableBufferPointer {
    QueryPreparer(plan: plan.queries[0]).prepare(
      $0, width: fields.count, count: count, arrivalMillis: 0, movesValues: false)
  }
  let move = moved.withUnsafeMutableBufferPointer {
    QueryPreparer(plan: plan.queries[0]).prepare(
      $0, width: fields.count, count: count, arrivalMillis: 0, movesValues: true)
  }
  #expect(copied == scanned)
  #expect(move.values == copy.values && move.times == copy.times && move.offsets == copy.offsets)
  #expect(move.rows == copy.rows && move.errors.map(\.message) == copy.errors.map(\.message))
  #expect(!copy.values.isEmpty)
  for (after, before) in zip(moved, scanned) where after != before { #expect(after == .null) }
  #expect(moved != scanned)
}
