import Foundation
import Planner
import SQLParser
import Testing

@testable import Executor

/// `--max-future` (issue 7, part 3): one host whose clock is years ahead must not make every
/// later row late. Rows dated more than the limit ahead of the wall clock are quarantined: they
/// do not advance the watermark, reach no query, are counted once per line, and go to the
/// dead-letter file when there is one.
@Suite struct FutureQuarantineTests {
  /// Past rows in two minutes, with rows from a clock far ahead among them.
  static let lines = [
    #"{"ts":"2024-01-01T00:00:01Z","k":"a"}"#,
    #"{"ts":"2099-01-01T00:00:00Z","k":"future"}"#,
    #"{"ts":"2024-01-01T00:00:02Z","k":"b"}"#,
    #"{"ts":"2024-01-01T00:01:30Z","k":"c"}"#,
    #"{"ts":"2199-12-31T23:59:59Z","k":"far future"}"#,
    #"{"ts":"2024-01-01T00:01:40Z","k":"d"}"#,
  ]
  static let sql = "SELECT COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE)"
  static let expected = [
    #"{"window_start":"2024-01-01T00:00:00.000Z","window_end":"2024-01-01T00:01:00.000Z","n":2}"#,
    #"{"window_start":"2024-01-01T00:01:00.000Z","window_end":"2024-01-01T00:02:00.000Z","n":2}"#,
  ]

  func bytes() -> [UInt8] { Array(Self.lines.map { $0 + "\n" }.joined().utf8) }

  @Test func withoutTheLimitAFutureClockMakesLaterRowsLate() throws {
    let outcome = try QueryHarness.run(Self.sql, chunks: [bytes()])
    #expect(outcome.stats.lateEvents == 3)
    #expect(outcome.stats.futureRows == 0)
  }

  @Test func futureRowsAreQuarantined() throws {
    var options = RunOptions()
    options.maxFutureMillis = 3_600_000
    let outcome = try QueryHarness.run(Self.sql, chunks: [bytes()], options: options)
    #expect(outcome.output.split(separator: "\n").map(String.init) == Self.expected)
    #expect(outcome.stats.lateEvents == 0)
    #expect(outcome.stats.futureRows == 2)
    #expect(outcome.stats.badLines == 0 && outcome.stats.badRows == 0)
    #expect(outcome.warnings.contains { $0.contains("2 rows dated more than --max-future ahead") })
    #expect(outcome.stats.report.contains("future rows:    2"))
  }

  @Test func theSameWhateverTheChunking() throws {
    var options = RunOptions()
    options.maxFutureMillis = 3_600_000
    let chunks = bytes().map { [$0] }
    let outcome = try QueryHarness.run(Self.sql, chunks: chunks, options: options)
    #expect(outcome.output.split(separator: "\n").map(String.init) == Self.expected)
    #expect(outcome.stats.futureRows == 2)
  }

  @Test func quarantinedRowsGoToTheDeadLetterFileOncePerLine() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "future-\(UUID().uuidString).ndjson"
    ).path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var options = RunOptions()
    options.maxFutureMillis = 3_600_000
    options.onError = .deadLetter(path)
    // Two queries read the same line; it is quarantined once.
    let script = Self.sql + "; SELECT k FROM stdin TIMESTAMP BY ts"
    let outcome = try QueryHarness.run(script, chunks: [bytes()], options: options)
    #expect(outcome.stats.futureRows == 2)
    let dead = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(
      String.init)
    #expect(dead == [Self.lines[1], Self.lines[4]])
    #expect(!outcome.output.contains("future"))
  }

  @Test func rowsWithinTheLimitAreKept() throws {
    var options = RunOptions()
    options.maxFutureMillis = 3_600_000
    let soon = Clock.wallMillis() + 60_000
    let line = "{\"ts\":\(soon),\"k\":\"soon\"}\n"
    let outcome = try QueryHarness.run(
      "SELECT k FROM stdin TIMESTAMP BY ts", chunks: [Array(line.utf8)], options: options)
    #expect(outcome.output == #"{"k":"soon"}"# + "\n")
    #expect(outcome.stats.futureRows == 0)
  }
}
