import Foundation
import Planner
import SQLParser
import Testing

@testable import Executor

/// Input nobody controls (SPEC 9, issue 7): each hostile line has a stated outcome, counted as bad
/// or handled, and never costs the good lines around it. Every case runs through the whole query
/// path (`QueryHarness`), so what is checked is what a user sees.
@Suite struct HostileInputTests {
  /// Runs `sql` over `lines` (each gets a `\n`), fed whole and byte-chunked the same.
  func run(
    _ lines: [[UInt8]], _ sql: String = "SELECT a FROM stdin", options: RunOptions = RunOptions()
  ) throws
    -> QueryHarness.Outcome
  {
    var bytes: [UInt8] = []
    for line in lines {
      bytes += line
      bytes.append(UInt8(ascii: "\n"))
    }
    return try QueryHarness.run(sql, chunks: [bytes], options: options)
  }

  func text(_ s: String) -> [UInt8] { Array(s.utf8) }

  func outputLines(_ outcome: QueryHarness.Outcome) -> [String] {
    outcome.output.split(separator: "\n").map(String.init)
  }

  @Test func nestingAMillionLevelsDeepIsABadLine() throws {
    let depth = 1_000_000
    let arrays =
      text("{\"a\":") + [UInt8](repeating: UInt8(ascii: "["), count: depth)
      + [UInt8](repeating: UInt8(ascii: "]"), count: depth) + text("}")
    var objects: [UInt8] = []
    for _ in 0..<depth { objects += text("{\"a\":") }
    objects += text("1") + [UInt8](repeating: UInt8(ascii: "}"), count: depth)
    let outcome = try run([text(#"{"a":1}"#), arrays, objects, text(#"{"a":2}"#)])
    #expect(outputLines(outcome) == [#"{"a":1}"#, #"{"a":2}"#])
    #expect(outcome.stats.badLines == 2)
    #expect(outcome.warnings.joined().contains("nesting too deep"))
  }

  @Test func invalidUTF8AndNULBytesAreBadLines() throws {
    let bad: [[UInt8]] = [
      text(#"{"a":""#) + [0xFF] + text(#""}"#),  // never valid in UTF-8
      text(#"{"a":""#) + [0xC0, 0xAF] + text(#""}"#),  // overlong encoding of '/'
      text(#"{"a":""#) + [0xED, 0xA0, 0x80] + text(#""}"#),  // a surrogate encoded as UTF-8
      text(#"{"a":""#) + [0xE2, 0x82] + text(#""}"#),  // truncated sequence
      text(#"{"a":"x"#) + [0x00] + text(#"y"}"#),  // a raw NUL inside a string (a control character)
      text(#"{"a":1}"#) + [0x00],  // a NUL after the object
      [0x00],
    ]
    let outcome = try run([text(#"{"a":"ok"}"#)] + bad + [text(#"{"a":"x\u0000y"}"#)])
    // An escaped NUL is valid JSON and survives as a character.
    #expect(outputLines(outcome) == [#"{"a":"ok"}"#, #"{"a":"x\u0000y"}"#])
    #expect(outcome.stats.badLines == bad.count)
  }

  @Test func loneSurrogateEscapesBecomeReplacementCharacters() throws {
    let outcome = try run([
      text(#"{"a":"\ud800"}"#), text(#"{"a":"\udc00x"}"#), text(#"{"a":"\ud800\u0041"}"#),
      text(#"{"a":"\ud83d\ude00"}"#),
    ])
    #expect(
      outputLines(outcome) == [
        #"{"a":"\#u{FFFD}"}"#, #"{"a":"\#u{FFFD}x"}"#, #"{"a":"\#u{FFFD}A"}"#, #"{"a":"😀"}"#,
      ])
    #expect(outcome.stats.badLines == 0)
  }

  @Test func numbersAtTheEdges() throws {
    let outcome = try run(
      [
        text(#"{"a":1e999}"#), text(#"{"a":-1e999}"#), text(#"{"a":-0}"#), text(#"{"a":-0.0}"#),
        text(#"{"a":1e-999}"#), text(#"{"a":9223372036854775807}"#),
        text(#"{"a":9223372036854775808}"#),
        text(#"{"a":-9223372036854775809}"#), text(#"{"a":123456789012345678901234567890}"#),
      ], "SELECT a, a + 0 AS b FROM stdin")
    #expect(
      outputLines(outcome) == [
        #"{"a":0,"b":0}"#,  // -0 has no '.', so it is the integer 0
        #"{"a":-0.0,"b":0.0}"#,  // IEEE: -0.0 + 0 is +0.0
        #"{"a":0.0,"b":0.0}"#,  // underflow is zero
        #"{"a":9223372036854775807,"b":9223372036854775807}"#,
        #"{"a":9.223372036854776e+18,"b":9.223372036854776e+18}"#,  // beyond 64 bits: DOUBLE
        #"{"a":-9.223372036854776e+18,"b":-9.223372036854776e+18}"#,
        #"{"a":1.2345678901234568e+29,"b":1.2345678901234568e+29}"#,
      ])
    // ±1e999 overflow DOUBLE: the line is bad, not an infinity.
    #expect(outcome.stats.badLines == 2)
    #expect(outcome.warnings.joined().contains("number out of range"))
  }

  @Test func duplicateKeysLastWins() throws {
    let outcome = try run(
      [
        text(#"{"a":1,"a":2}"#), text(#"{"a":{"b":1},"a":3}"#), text(#"{"a":{"b":1},"a":{"c":2}}"#),
      ],
      "SELECT a, a.b AS ab FROM stdin")
    #expect(
      outputLines(outcome) == [
        #"{"a":2,"ab":null}"#, #"{"a":3,"ab":null}"#, #"{"a":{"c":2},"ab":null}"#,
      ])
  }

  @Test func arraysAndScalarsAreNotRows() throws {
    let outcome = try run(
      [
        text("[1,2]"), text("[]"), text("42"), text(#""s""#), text("null"), text("true"),
        text(#"{"a":1}"#),
      ])
    #expect(outputLines(outcome) == [#"{"a":1}"#])
    #expect(outcome.stats.badLines == 6)
    #expect(outcome.warnings.joined().contains("not a JSON object (found an array)"))
  }

  // MARK: --max-state-rows

  static let distinctKeys = 100_000

  func distinctKeyLines() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Self.distinctKeys * 24)
    for i in 0..<Self.distinctKeys { bytes += Array("{\"k\":\(i),\"ts\":1}\n".utf8) }
    return bytes
  }

  @Test func maxStateRowsStopsTheQuery() throws {
    var options = RunOptions()
    options.maxStateRows = 50_000
    let sql =
      "SELECT k, COUNT(*) FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k"
    do {
      _ = try QueryHarness.run(sql, chunks: [distinctKeyLines()], options: options)
      Issue.record("the query ran past --max-state-rows")
    } catch let error as RunError {
      #expect(error.message.contains("more than --max-state-rows 50000"))
    }
  }

  @Test func stateRowsAreReportedWithinTheLimit() throws {
    var options = RunOptions()
    options.maxStateRows = Self.distinctKeys
    let outcome = try QueryHarness.run(
      "SELECT k, COUNT(*) FROM stdin GROUP BY k", chunks: [distinctKeyLines()], options: options)
    #expect(outcome.stats.rowsOut == Self.distinctKeys)
    #expect(outcome.stats.peakStateRows == Self.distinctKeys)
    #expect(outcome.stats.report.contains("peak \(Self.distinctKeys) rows"))
  }

  @Test func maxStateRowsCountsDistinctRowsToo() throws {
    var options = RunOptions()
    options.maxStateRows = 10
    #expect(throws: RunError.self) {
      _ = try QueryHarness.run(
        "SELECT DISTINCT k FROM stdin", chunks: [distinctKeyLines()], options: options)
    }
  }
}
