import Foundation
import Testing

/// Deduplication (`dedupe_key`, `dedupe_within`) and scripted replay (`--replay-speed`,
/// `--from`, `--until`) through the built CLI (issue 6, parts 4 and 5).
@Suite struct ReplayTests {
  /// Event `i` at base + i seconds; `id` identifies it.
  static func event(_ i: Int, id: String? = nil, v: Int? = nil) -> String {
    let ts = Date(timeIntervalSince1970: 1_704_067_200 + Double(i))
    let text = ISO8601DateFormatter().string(from: ts)
    return "{\"ts\":\"\(text)\",\"id\":\"\(id ?? "e\(i)")\",\"v\":\(v ?? i % 13)}\n"
  }

  static func script(_ file: String, within: String = "1 minute") -> String {
    """
    CREATE STREAM s WITH (source = '\(file)', timestamp = 'ts', dedupe_key = 'id', dedupe_within = '\(within)');
    SELECT v, COUNT(*) AS n, SUM(v) AS total FROM s WINDOW TUMBLING (SIZE 5 MINUTES) GROUP BY v;
    SELECT id, v FROM s WHERE v = 3;
    """
  }

  static func write(_ text: String, _ name: String, in directory: URL) throws {
    try Data(text.utf8).write(to: directory.appendingPathComponent(name))
  }

  @Test func injectedDuplicatesAreDroppedExactly() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var clean = ""
    var dirty = ""
    var injected = 0
    for i in 0..<3000 {
      clean += Self.event(i)
      dirty += Self.event(i)
      // Re-sent a few rows later, so it arrives out of order, 1 to 4 s after the original.
      if i % 7 == 0 && i >= 4 {
        dirty += Self.event(i - 3)
        injected += 1
      }
      // Re-sent right away: the same row twice in a row.
      if i % 11 == 0 {
        dirty += Self.event(i)
        injected += 1
      }
    }
    // A repeat of e10 long after the 1-minute span is a new occurrence: kept in both.
    clean += Self.event(3000, id: "e10", v: 3)
    dirty += Self.event(3000, id: "e10", v: 3)
    try Self.write(clean, "clean.ndjson", in: directory)
    try Self.write(dirty, "dirty.ndjson", in: directory)
    let expected = try StreamsqlBinary.run(
      ["-f", "/dev/stdin"], stdin: Data(Self.script("clean.ndjson").utf8), in: directory,
      timeout: 60)
    let result = try StreamsqlBinary.run(
      ["--stats", "-f", "/dev/stdin"], stdin: Data(Self.script("dirty.ndjson").utf8), in: directory,
      timeout: 60)
    #expect(expected.status == 0 && result.status == 0)
    #expect(result.stdout == expected.stdout)
    #expect(result.stdout.contains("\"id\":\"e10\""))
    #expect(result.stderr.contains("duplicates:     \(injected) dropped"))
  }

  @Test func aRepeatOutsideTheSpanIsKeptAndNullKeysAreNeverDuplicates() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = """
      {"ts":"2024-01-01T00:00:00Z","id":"a","v":1}
      {"ts":"2024-01-01T00:00:10Z","id":"b","v":2}
      {"ts":"2024-01-01T00:00:05Z","id":"a","v":3}
      {"ts":"2024-01-01T00:01:00Z","id":"a","v":4}
      {"ts":"2024-01-01T00:01:01Z","id":"a","v":5}
      {"ts":"2024-01-01T00:01:30Z","id":"b","v":6}
      {"ts":"2024-01-01T00:01:31Z","v":7}
      {"ts":"2024-01-01T00:01:32Z","v":8}

      """
    try Self.write(input, "in.ndjson", in: directory)
    let script = """
      CREATE STREAM s WITH (source = 'in.ndjson', timestamp = 'ts', dedupe_key = 'id', dedupe_within = '1 minute');
      SELECT v FROM s;
      """
    let result = try StreamsqlBinary.run(
      ["-f", "/dev/stdin"], stdin: Data(script.utf8), in: directory)
    #expect(result.status == 0)
    // a@0 kept; b@10 kept; a@5 within 1 min of a@0: dropped; a@60 exactly 1 min after: dropped
    // (the span is inclusive); a@61 kept; b@90, 80 s after b@10: kept; NULL keys kept.
    #expect(result.stdout == "{\"v\":1}\n{\"v\":2}\n{\"v\":5}\n{\"v\":6}\n{\"v\":7}\n{\"v\":8}\n")
  }

  @Test func dedupeStateStaysBounded() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var peaks: [Int] = []
    for count in [5_000, 50_000] {
      try Self.write((0..<count).map { Self.event($0) }.joined(), "in.ndjson", in: directory)
      let script = """
        CREATE STREAM s WITH (source = 'in.ndjson', timestamp = 'ts', dedupe_key = 'id', dedupe_within = '30 seconds');
        SELECT COUNT(*) AS n FROM s;
        """
      let result = try StreamsqlBinary.run(
        ["--stats", "-f", "/dev/stdin"], stdin: Data(script.utf8), in: directory, timeout: 120)
      #expect(result.status == 0)
      #expect(result.stdout == "{\"n\":\(count)}\n")
      let line = result.stderr.split(separator: "\n").first { $0.contains("duplicates:") } ?? ""
      #expect(line.contains("0 dropped"))
      let peak = line.split(separator: " ").reversed().dropFirst(2).first.flatMap { Int($0) } ?? -1
      peaks.append(peak)
    }
    // One key a second, 30 s span: the table is swept whenever it doubles past 1024 keys.
    #expect(peaks.allSatisfy { $0 > 0 && $0 <= 1100 })
    #expect(peaks[0] == peaks[1])
  }

  @Test func dedupeOptionErrorsExitTwo() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let cases: [(String, String)] = [
      ("dedupe_key = 'id', dedupe_within = '1 minute'", "needs timestamp"),
      ("timestamp = 'ts', dedupe_key = 'id'", "dedupe_key needs dedupe_within"),
      ("timestamp = 'ts', dedupe_within = '1 minute'", "dedupe_within needs dedupe_key"),
      ("timestamp = 'ts', dedupe_key = 'id', dedupe_within = 'soon'", "positive duration"),
      ("timestamp = 'ts', dedupe_key = 'id', dedupe_withn = '1m'", "did you mean 'dedupe_within'"),
    ]
    for (options, message) in cases {
      let script = "CREATE STREAM s WITH (source = 'x.ndjson', \(options)); SELECT * FROM s;"
      let result = try StreamsqlBinary.run(
        ["-f", "/dev/stdin"], stdin: Data(script.utf8), in: directory)
      #expect(result.status == 2, "\(options)")
      #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
    }
  }

  // MARK: Replay

  @Test func replayAtSpeedFiftyMatchesMax() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // 2 s of event time, a row every 20 ms: 40 ms of wall time at speed 50.
    let base = 1_704_067_200_000
    let input = (0..<100).map { "{\"t\":\(base + $0 * 20),\"k\":\($0 % 3)}\n" }.joined()
    try Self.write(input, "in.ndjson", in: directory)
    let query =
      "SELECT k, COUNT(*) AS n FROM 'in.ndjson' TIMESTAMP BY to_timestamp(t, 'ms') WINDOW TUMBLING (SIZE 500 MILLISECONDS) GROUP BY k"
    let fast = try StreamsqlBinary.run([query], in: directory)
    let started = Date()
    let paced = try StreamsqlBinary.run(["--replay-speed", "50", query], in: directory)
    let elapsed = Date().timeIntervalSince(started)
    #expect(fast.status == 0 && paced.status == 0)
    #expect(!fast.stdout.isEmpty)
    #expect(paced.stdout == fast.stdout)
    #expect(elapsed >= 0.035, "pacing should take about 40 ms, took \(elapsed) s")
    let explicitMax = try StreamsqlBinary.run(["--replay-speed", "max", query], in: directory)
    #expect(explicitMax.stdout == fast.stdout)
  }

  @Test func fromAndUntilSelectExactlyTheRange() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Self.write((0..<100).map { Self.event($0) }.joined(), "in.ndjson", in: directory)
    // Event i is at 2024-01-01T00:00:00Z + i s: [10 s, 20 s) holds e10 ... e19.
    let result = try StreamsqlBinary.run(
      [
        "--from", "2024-01-01T00:00:10Z", "--until", "2024-01-01T00:00:20Z", "--stats",
        "SELECT id FROM 'in.ndjson' TIMESTAMP BY ts",
      ], in: directory)
    #expect(result.status == 0)
    #expect(result.stdout == (10..<20).map { "{\"id\":\"e\($0)\"}\n" }.joined())
    #expect(result.stderr.contains("outside range:  90"))
    #expect(result.stderr.contains("bad rows:       0"))
    let open = try StreamsqlBinary.run(
      ["--from", "2024-01-01T00:01:38Z", "SELECT id FROM 'in.ndjson' TIMESTAMP BY ts"],
      in: directory)
    #expect(open.stdout == "{\"id\":\"e98\"}\n{\"id\":\"e99\"}\n")
  }

  @Test func badReplayValuesExitTwo() throws {
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Self.write(Self.event(0), "in.ndjson", in: directory)
    let timed = "SELECT id FROM 'in.ndjson' TIMESTAMP BY ts"
    let cases: [([String], String)] = [
      (["--replay-speed", "0", timed], "--replay-speed takes a positive number"),
      (["--replay-speed", "fast", timed], "--replay-speed takes a positive number"),
      (["--from", "yesterday", timed], "--from takes an ISO-8601 time"),
      (["--until", "2024-13-01", timed], "--until takes an ISO-8601 time"),
      (
        ["--from", "2024-01-02T00:00:00Z", "--until", "2024-01-01T00:00:00Z", timed],
        "--from must be before --until"
      ),
      (["--replay-speed", "10", "SELECT id FROM 'in.ndjson'"], "needs an event time"),
      (["--from", "2024-01-01T00:00:00Z", "SELECT id FROM 'in.ndjson'"], "needs an event time"),
    ]
    for (arguments, message) in cases {
      let result = try StreamsqlBinary.run(arguments, in: directory)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
  }
}
