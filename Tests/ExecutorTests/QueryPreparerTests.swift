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
