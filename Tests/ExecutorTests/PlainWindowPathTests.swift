import Testing

@testable import Executor

/// `TimeWindowOperator.processPlain` (windows without a tracked COUNT(DISTINCT) or EMIT
/// CHANGES) against the general `process` loop on the same rows.
///
/// Adding `COUNT(DISTINCT v)` to a query moves it off the plain path without changing its other
/// columns, so the plain query's rows must equal the general query's rows with that column cut
/// off: same windows, groups, counts, sums and averages, in the same order, with the same late
/// rows dropped.
@Suite struct PlainWindowPathTests {
  /// Lines with disordered times (some late), keys of every kind (short and long strings,
  /// numbers, NULL, missing) and arguments of every kind (integers, doubles, strings, NULL).
  static func lines(seed: UInt64, count: Int) -> [String] {
    var rng = SplitMix64(state: seed)
    let keys = [
      #""a""#, #""b""#, #""c""#, #""a key longer than fifteen bytes""#, "7", "7.5", "null",
    ]
    let values = ["1", "2", "-3", "4.5", "0.25", #""x""#, "null", "1000000000000"]
    var time = 0
    var out: [String] = []
    for _ in 0..<count {
      // About four rows a second, so that keys repeat within a window.
      if Int.random(in: 0..<4, using: &rng) == 0 { time += 1 }
      // One row in eight is up to 8 s behind: late for some windows, not for others.
      let late = Int.random(in: 0..<8, using: &rng) == 0
      let t = late ? time - Int.random(in: 0...8, using: &rng) : time
      var members = [#""ts":\#(max(t, 0))"#]
      if Int.random(in: 0..<10, using: &rng) > 0 {
        members.append(#""k":\#(keys.randomElement(using: &rng)!)"#)
      }
      members.append(#""v":\#(values.randomElement(using: &rng)!)"#)
      out.append("{" + members.joined(separator: ",") + "}")
    }
    return out
  }

  /// `row` without its last column, `"d"`.
  static func withoutDistinct(_ row: String) -> String {
    guard let cut = row.range(of: #","d":"#, options: .backwards) else { return row }
    return String(row[..<cut.lowerBound]) + "}"
  }

  @Test(arguments: [
    "TUMBLING (SIZE 2 SECONDS, GRACE PERIOD 1 SECOND)",
    "HOPPING (SIZE 6 SECONDS, ADVANCE BY 2 SECONDS, GRACE PERIOD 2 SECONDS)",
    "HOPPING (SIZE 5 SECONDS, ADVANCE BY 5 SECONDS)",
  ])
  func plainPathMatchesTheGeneralPath(window: String) throws {
    let lines = Self.lines(seed: 41, count: 3_000)
    let head = "SELECT k, COUNT(*) AS n, COUNT(v) AS c, SUM(v) AS s, AVG(v) AS a, MIN(v) AS lo"
    let tail = "FROM stdin TIMESTAMP BY ts WINDOW \(window) GROUP BY k"
    let plain = try QueryHarness.rows("\(head) \(tail)", lines)
    let general = try QueryHarness.rows("\(head), COUNT(DISTINCT v) AS d \(tail)", lines)
    let expected = general.map(Self.withoutDistinct)
    #expect(plain.count > 100)
    #expect(plain.count == expected.count)
    let differing = zip(plain, expected).enumerated().first { $0.element.0 != $0.element.1 }
    #expect(differing == nil, "first differing row: \(String(describing: differing))")
    // Line by line, batches are single rows: the same answer.
    #expect(try QueryHarness.rows("\(head) \(tail)", lines, byLine: true) == expected)
  }
}
