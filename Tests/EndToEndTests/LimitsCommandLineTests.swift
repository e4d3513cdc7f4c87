import Foundation
import Testing

/// `--max-state-rows` and `--max-future` as a user meets them: parsed from the command line, the
/// limit's error and exit status, the quarantine warning and the dead-letter file.
@Suite struct LimitsCommandLineTests {
  @Test func maxStateRowsExitsOneWithAClearError() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = (0..<100_000).map { "{\"k\":\($0)}\n" }.joined()
    let result = try StreamsqlBinary.run(
      ["--max-state-rows", "50000", "SELECT k, COUNT(*) AS n FROM stdin GROUP BY k"],
      stdin: Data(input.utf8), in: directory, timeout: 120)
    #expect(result.status == 1)
    #expect(result.stderr.contains("more than --max-state-rows 50000"))
    #expect(result.stdout.isEmpty)
  }

  @Test func maxStateRowsMustBePositive() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try StreamsqlBinary.run(["--max-state-rows", "0", "SELECT 1"], in: directory)
    #expect(result.status == 2)
  }

  @Test func maxFutureQuarantinesAndDeadLetters() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = """
      {"ts":"2024-01-01T00:00:01Z","k":1}
      {"ts":"2099-01-01T00:00:00Z","k":2}
      {"ts":"2024-01-01T00:00:02Z","k":3}

      """
    let result = try StreamsqlBinary.run(
      [
        "--max-future", "1h", "--stats", "--on-error", "dead-letter=dead.ndjson",
        "SELECT k FROM stdin TIMESTAMP BY ts",
      ],
      stdin: Data(input.utf8), in: directory)
    #expect(result.status == 0)
    #expect(result.stdout == "{\"k\":1}\n{\"k\":3}\n")
    #expect(
      result.stderr.contains("1 row dated more than --max-future ahead of the clock quarantined"))
    #expect(result.stderr.contains("future rows:    1"))
    let dead = try String(
      contentsOf: directory.appendingPathComponent("dead.ndjson"), encoding: .utf8)
    #expect(dead == "{\"ts\":\"2099-01-01T00:00:00Z\",\"k\":2}\n")
  }

  @Test func maxFutureTakesADuration() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try StreamsqlBinary.run(["--max-future", "soon", "SELECT 1"], in: directory)
    #expect(result.status == 2)
    #expect(result.stderr.contains("--max-future takes a duration"))
  }
}
