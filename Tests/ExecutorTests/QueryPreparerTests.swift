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

  /// Without an event time, rows the filter rejects are left out of the prepared piece on the
  /// columns path (kept, as -1, on the general one): the same rows out, the same bad rows
  /// reported, and a LIMIT stops at the same row.
  @Test(arguments: ["", " LIMIT 1", " LIMIT 2", " LIMIT 9"])
  func rejectedRowsWithoutEventTime(limit: String) throws {
    func run(_ w: String) throws -> QueryHarness.Outcome {
      try QueryHarness.run(
        "SELECT v, \(w) AS w FROM stdin WHERE CAST(v AS BIGINT) > 1\(limit)",
        lines: Self.lines + Self.lines)
    }
    let columns = try run("w")
    let general = try run("COALESCE(w, NULL)")
    #expect(columns.output == general.output)
    #expect(columns.stats.badRows == general.stats.badRows)
    #expect(!columns.output.isEmpty)
  }

  /// `query`'s plan, its source's fields, and the values of `lines` (and of one line with a long
  /// string) as the scan extracts them, `fields.count` per row.
  static func scan(_ query: String) throws -> (ScriptPlan, [FieldPath], [Value]) {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(query))
    let plan = planner.plan
    let fields = plan.sources[0].fields
    let extractor = FieldExtractor(paths: fields)
    var scanned: [Value] = []
    let long = #"{"ts":7,"v":3,"w":"a longer string than fifteen bytes"}"#
    for line in lines + [long] {
      let result = Array(line.utf8).withUnsafeBytes { extractor.extract($0) }
      guard case .success(let row) = result else { continue }
      scanned += row
    }
    return (plan, fields, scanned)
  }

  /// `preparer`'s prepared piece over a copy of `scanned` (`width` values a row), and the copy
  /// afterwards (what moving left in it).
  static func prepare(_ preparer: QueryPreparer, _ scanned: [Value], width: Int, moves: Bool)
    -> (QueryPreparer.Prepared, [Value])
  {
    var values = scanned
    let prepared = values.withUnsafeMutableBufferPointer {
      preparer.prepare(
        $0, width: width, count: scanned.count / width, arrivalMillis: 0, movesValues: moves)
    }
    return (prepared, values)
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
  let (plan, fields, scanned) = try QueryPreparerTests.scan(query)
  let (copy, copied) = QueryPreparerTests.prepare(
    QueryPreparer(plan: plan.queries[0]), scanned, width: fields.count, moves: false)
  let (move, moved) = QueryPreparerTests.prepare(
    QueryPreparer(plan: plan.queries[0]), scanned, width: fields.count, moves: true)
  #expect(copied == scanned)
  #expect(move.values == copy.values && move.times == copy.times && move.offsets == copy.offsets)
  #expect(move.rows == copy.rows && move.errors.map(\.message) == copy.errors.map(\.message))
  #expect(!copy.values.isEmpty)
  for (after, before) in zip(moved, scanned) where after != before { #expect(after == .null) }
  #expect(moved != scanned)
}

/// Rows left where they were scanned (`prepare(sharing:)`, outputs side by side in the scanned
/// row) are the rows that copying them out gives: the same kept rows, times, row numbers and
/// errors, read through their offsets; nothing is copied and the scanned values stay as they were.
@Test(arguments: [
  "SELECT v, w FROM stdin TIMESTAMP BY ts WHERE v >= 1",
  "SELECT w, COUNT(*) AS n, SUM(v) AS s FROM stdin TIMESTAMP BY ts GROUP BY w",
  "SELECT v, w FROM stdin",
  "SELECT ts, v, w FROM stdin TIMESTAMP BY ts",
])
func sharedRowsAreTheCopiedRows(query: String) throws {
  let (plan, fields, scanned) = try QueryPreparerTests.scan(query)
  let count = scanned.count / fields.count
  let block = ScannedValues(minimumCapacity: scanned.count)
  for r in 0..<count {
    let row = block.appendNullRow(width: fields.count)
    for k in 0..<fields.count { row[k] = scanned[r * fields.count + k] }
  }
  let preparer = QueryPreparer(plan: plan.queries[0])
  #expect(preparer.sharedFirstSlot != nil)
  let (copy, _) = QueryPreparerTests.prepare(preparer, scanned, width: fields.count, moves: true)
  let shared = preparer.prepare(
    sharing: block, width: fields.count, count: count, arrivalMillis: 0)
  #expect(shared.keptRows == copy.keptRows)
  #expect(!copy.keptRows.isEmpty)
  #expect(shared.times == copy.times && shared.rows == copy.rows)
  #expect(shared.errors.map(\.message) == copy.errors.map(\.message))
  #expect(shared.values.isEmpty && shared.scanned === block)
  #expect(Array(block.buffer) == scanned)
}

/// Outputs that are not the scanned row's slots in order, one after another, are copied.
@Test(arguments: [
  "SELECT w, v FROM stdin TIMESTAMP BY ts WHERE v >= 1",
  "SELECT v, v AS again FROM stdin",
  "SELECT v, w FROM stdin TIMESTAMP BY ts WHERE w <> 'x'",
  "SELECT v, UPPER(w) AS w FROM stdin",
  "SELECT COUNT(*) AS n FROM stdin",
])
func outputsNotSideBySideAreNotShared(query: String) throws {
  var planner = ScriptPlanner()
  _ = try planner.add(script: try Parser.parseScript(query))
  #expect(QueryPreparer(plan: planner.plan.queries[0]).sharedFirstSlot == nil)
}

/// A windowed aggregate reads shared rows (`GROUP BY w` with `SUM(v)`) exactly as it reads
/// copied ones (the same query with its argument computed).
@Test func windowsOfSharedRowsMatchCopiedRows() throws {
  let lines = (0..<300).map { i in
    #"{"ts":\#(i * 97 % 5000),"w":"\#(["a", "b", "a long key, over fifteen bytes"][i % 3])","v":\#(i % 7)}"#
  }
  func run(_ sum: String) throws -> String {
    try QueryHarness.run(
      "SELECT w, COUNT(*) AS n, SUM(\(sum)) AS s FROM stdin TIMESTAMP BY ts "
        + "WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY w", lines: lines
    ).output
  }
  let shared = try run("v")
  #expect(shared == (try run("COALESCE(v, NULL)")))
  #expect(shared.contains(#""w":"a long key, over fifteen bytes""#))
}
