import Foundation
import Testing

/// `--checkpoint` with real processes: a run killed with SIGKILL at random moments and
/// restarted with the same command each time ends with output byte-identical to an
/// uninterrupted run; a changed query, and what cannot be resumed exactly, are refused.
///
/// The input has 200,000 lines by default so the test stays near half a minute in a debug
/// build; `STREAMSQL_CHECKPOINT_LINES=2000000` runs it at the full size.
@Suite(.serialized)
struct CheckpointTests {
  /// Four queries over one file: rows to a CSV file (its header must not repeat), hopping
  /// windows with COUNT(DISTINCT) and other aggregates, an unwindowed aggregate that only
  /// prints at end of input, and EMIT CHANGES, whose updates follow the pieces input is cut in.
  static let script = """
    INSERT INTO 'rows.csv' SELECT ts, user, ms FROM stdin WHERE ms > 990;
    INSERT INTO 'windows.ndjson' SELECT url, COUNT(*) AS n, COUNT(DISTINCT user) AS users, SUM(ms) AS total,
      AVG(ms) AS mean, MAX(ms) AS longest FROM stdin TIMESTAMP BY ts
      WINDOW HOPPING (SIZE 10 MINUTES, ADVANCE BY 1 MINUTE) GROUP BY url;
    INSERT INTO 'totals.ndjson' SELECT user, COUNT(*) AS n, MIN(ms) AS fastest FROM stdin GROUP BY user;
    INSERT INTO 'changes.ndjson' SELECT url, COUNT(*) AS n, LAST(ms) AS latest FROM stdin TIMESTAMP BY ts
      WINDOW TUMBLING (SIZE 5 MINUTES) GROUP BY url EMIT CHANGES
    """
  static let outputs = ["rows.csv", "windows.ndjson", "totals.ndjson", "changes.ndjson"]

  /// Session, moving and count windows (tumbling and hopping by rows), over the same input;
  /// the count windows emit as rows arrive, so the run can be killed part way through.
  static let windowScript = """
    INSERT INTO 'counts.ndjson' SELECT url, COUNT(*) AS n, AVG(ms) AS mean, COLLECT_LIST(user) AS users
      FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 50 ROWS) GROUP BY url;
    INSERT INTO 'sessions.ndjson' SELECT user, COUNT(*) AS n, SUM(ms) AS total, FIRST(url) AS entry,
      COUNT(DISTINCT url) AS pages FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 20 SECONDS) GROUP BY user;
    INSERT INTO 'moving.ndjson' SELECT url, COUNT(*) AS n, MAX(ms) AS longest FROM stdin TIMESTAMP BY ts
      WINDOW SLIDING (SIZE 10 SECONDS) GROUP BY url;
    INSERT INTO 'hopcounts.ndjson' SELECT user, COUNT(*) AS n, MIN(ms) AS fastest FROM stdin TIMESTAMP BY ts
      WINDOW SLIDING (SIZE 8 ROWS, ADVANCE BY 3 ROWS) GROUP BY user
    """
  static let windowOutputs = [
    "counts.ndjson", "sessions.ndjson", "moving.ndjson", "hopcounts.ndjson",
  ]

  /// A `dedupe_key` stream over the same file (a user seen again within 20 s is a repeat, so
  /// about a third of the rows are dropped), beside a query over the raw input.
  static let dedupeScript = """
    CREATE STREAM s WITH (source = 'clicks.ndjson', timestamp = 'ts', dedupe_key = 'user', dedupe_within = '20 seconds');
    INSERT INTO 'kept.ndjson' SELECT ts, user, ms FROM s;
    INSERT INTO 'perurl.ndjson' SELECT url, COUNT(*) AS n, SUM(ms) AS total FROM s
      WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url;
    INSERT INTO 'visits.ndjson' SELECT user, COUNT(*) AS n FROM s WINDOW SESSION (GAP 2 MINUTES) GROUP BY user;
    INSERT INTO 'raw.ndjson' SELECT COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE)
    """
  static let dedupeOutputs = ["kept.ndjson", "perurl.ndjson", "visits.ndjson", "raw.ndjson"]

  /// SQLite tables, upserted by key (EMIT CHANGES, a HAVING that deletes, an unwindowed
  /// aggregate), beside a file the run can be killed while it grows. `serve.db:t` names table t.
  static let sqliteScript = """
    INSERT INTO 'slow.ndjson' SELECT ts, user, ms FROM stdin WHERE ms > 900;
    INSERT INTO 'sqlite://serve.db?table=per_url' SELECT url, COUNT(*) AS n, SUM(ms) AS total, MAX(ms) AS longest
      FROM stdin TIMESTAMP BY ts WINDOW HOPPING (SIZE 10 MINUTES, ADVANCE BY 1 MINUTE) GROUP BY url EMIT CHANGES;
    INSERT INTO 'sqlite://serve.db?table=sessions' SELECT user, COUNT(*) AS n, SUM(ms) AS total FROM stdin TIMESTAMP BY ts
      WINDOW SESSION (GAP 20 SECONDS) GROUP BY user HAVING COUNT(*) >= 2;
    INSERT INTO 'sqlite://serve.db?table=totals' SELECT user, COUNT(*) AS n, AVG(ms) AS mean FROM stdin
      GROUP BY user HAVING COUNT(*) < 390 EMIT CHANGES
    """
  static let sqliteOutputs = [
    "slow.ndjson", "serve.db:per_url", "serve.db:sessions", "serve.db:totals",
  ]

  static var lineCount: Int {
    ProcessInfo.processInfo.environment["STREAMSQL_CHECKPOINT_LINES"].flatMap(Int.init) ?? 200_000
  }

  /// SplitMix64: a fast generator whose sequence is fixed by its seed.
  struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Event-time ordered clicks with a little disorder, so that some windows get late rows.
  static func writeInput(_ url: URL, lines: Int, seed: UInt64) throws {
    var rng = SeededGenerator(state: seed)
    var text = ""
    text.reserveCapacity(lines * 64)
    var ts: Int64 = 1_700_000_000_000
    for _ in 0..<lines {
      ts += Int64.random(in: 0..<60, using: &rng)
      let jitter =
        Int64.random(in: 0..<100, using: &rng) == 0
        ? -Int64.random(in: 0..<900_000, using: &rng) : 0
      let user = Int.random(in: 0..<500, using: &rng)
      let page = Int.random(in: 0..<20, using: &rng)
      let ms = Int.random(in: 0..<1000, using: &rng)
      text += "{\"ts\":\(ts + jitter),\"user\":\"u\(user)\",\"url\":\"/p\(page)\",\"ms\":\(ms)}\n"
    }
    try text.write(to: url, atomically: false, encoding: .utf8)
  }

  static func fileSize(_ url: URL) -> Int64 {
    var info = stat()
    return stat(url.path, &info) == 0 ? Int64(info.st_size) : -1
  }

  /// The inode of the checkpoint file: each checkpoint renames a new file over it.
  static func checkpointInode(_ dir: URL) -> UInt64 {
    var info = stat()
    return stat(dir.appendingPathComponent("checkpoint.bin").path, &info) == 0
      ? UInt64(info.st_ino) : 0
  }

  /// Starts `streamsql` with stderr in a file; stdout is unused (every query writes a file).
  static func start(_ arguments: [String], in dir: URL) throws -> Process {
    try CheckpointStreamTests.start(
      arguments, in: dir, stdin: FileHandle.nullDevice, stdout: FileHandle.nullDevice
    ).0
  }

  /// Polls every 5 ms until `condition` holds or the process ended; true if it ended.
  static func waitUntil(_ process: Process, deadline: Date, _ condition: () -> Bool) -> Bool {
    while process.isRunning && Date() < deadline {
      if condition() { return false }
      usleep(5_000)
    }
    return !process.isRunning
  }

  func contents(_ dir: URL, _ outputs: [String]) throws -> [String: Data] {
    var all: [String: Data] = [:]
    for name in outputs {
      if let colon = name.firstIndex(of: ":") {
        // A SQLite table: its rows, sorted (row ids and physical order may differ).
        let reader = try SQLiteReader(dir.appendingPathComponent(String(name[..<colon])).path)
        let rows = try reader.rows("SELECT * FROM \"\(name[name.index(after: colon)...])\"")
        let text = rows.map { $0.joined(separator: "|") }.sorted().joined(separator: "\n")
        all[name] = Data(text.utf8)
      } else {
        all[name] = try Data(contentsOf: dir.appendingPathComponent(name))
      }
    }
    return all
  }

  @Test func killedAtRandomMomentsAndRestartedGivesIdenticalOutput() throws {
    try killAndRestart(
      script: CheckpointTests.script, outputs: CheckpointTests.outputs, watched: "rows.csv")
  }

  @Test func sessionMovingAndCountWindowsKilledAndRestartedGiveIdenticalOutput() throws {
    try killAndRestart(
      script: CheckpointTests.windowScript, outputs: CheckpointTests.windowOutputs,
      watched: "counts.ndjson")
  }

  @Test func dedupeStreamKilledAndRestartedGivesIdenticalOutput() throws {
    try killAndRestart(
      script: CheckpointTests.dedupeScript, outputs: CheckpointTests.dedupeOutputs,
      watched: "kept.ndjson")
  }

  @Test func sqliteTablesKilledAndRestartedEqualAnUninterruptedRun() throws {
    try killAndRestart(
      script: CheckpointTests.sqliteScript, outputs: CheckpointTests.sqliteOutputs,
      watched: "slow.ndjson")
  }

  @Test func changedDedupeSpanAgainstOldCheckpointIsRefused() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try CheckpointTests.writeInput(
      dir.appendingPathComponent("clicks.ndjson"), lines: 2_000, seed: 7)
    let command = ["-i", "clicks.ndjson", "--checkpoint", "state"]
    let first = try StreamsqlBinary.run(command + [CheckpointTests.dedupeScript], in: dir)
    #expect(first.status == 0, "\(first.stderr)")
    let changed = CheckpointTests.dedupeScript.replacingOccurrences(
      of: "'20 seconds'", with: "'30 seconds'")
    let refused = try StreamsqlBinary.run(command + [changed], in: dir)
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("within=30s"), "\(refused.stderr)")
  }

  /// Runs `script` once uninterrupted, then with `--checkpoint`, killed with SIGKILL at random
  /// moments (while `watched` grows) and restarted; every output must match.
  func killAndRestart(script: String, outputs: [String], watched watchedName: String) throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try CheckpointTests.writeInput(
      dir.appendingPathComponent("clicks.ndjson"), lines: CheckpointTests.lineCount, seed: 42)

    // The uninterrupted run, in its own directory.
    let reference = dir.appendingPathComponent("reference")
    try FileManager.default.createDirectory(at: reference, withIntermediateDirectories: true)
    // For scripts that name the input themselves (CREATE STREAM ... source = 'clicks.ndjson').
    try FileManager.default.createSymbolicLink(
      at: reference.appendingPathComponent("clicks.ndjson"),
      withDestinationURL: dir.appendingPathComponent("clicks.ndjson"))
    let plain = try StreamsqlBinary.run(
      ["-i", "../clicks.ndjson", script], in: reference, timeout: 600)
    #expect(plain.status == 0, "\(plain.stderr)")
    let expected = try contents(reference, outputs)
    #expect(expected.values.allSatisfy { !$0.isEmpty })

    let command = [
      "-i", "clicks.ndjson", "--checkpoint", "state", "--checkpoint-interval", "200ms", script,
    ]
    var rng = SeededGenerator(state: UInt64(Date().timeIntervalSince1970 * 1000))
    let watched = dir.appendingPathComponent(watchedName)
    var kills = 0
    var resumes = 0
    for attempt in 0..<12 {
      let process = try CheckpointTests.start(command, in: dir)
      let deadline = Date().addingTimeInterval(600)
      // A random moment: after 1 to 3 new checkpoints, then a random number of output bytes
      // further (0 kills right after a checkpoint was renamed into place).
      var inode = CheckpointTests.checkpointInode(dir.appendingPathComponent("state"))
      var ended = false
      for _ in 0..<Int.random(in: 1...3, using: &rng) where !ended {
        ended = CheckpointTests.waitUntil(process, deadline: deadline) {
          CheckpointTests.checkpointInode(dir.appendingPathComponent("state")) != inode
        }
        inode = CheckpointTests.checkpointInode(dir.appendingPathComponent("state"))
      }
      if !ended {
        let target = CheckpointTests.fileSize(watched) + Int64.random(in: 0..<3000, using: &rng)
        ended = CheckpointTests.waitUntil(process, deadline: deadline) {
          CheckpointTests.fileSize(watched) >= target
        }
      }
      if attempt > 0 { resumes += 1 }
      if process.isRunning && attempt < 5 {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The run may have finished between the check and the kill: then it simply ended.
        if process.terminationReason == .exit {
          #expect(process.terminationStatus == 0)
          break
        }
        kills += 1
        continue
      }
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      break
    }
    #expect(kills >= 3, "the run ended before it could be killed three times; use more lines")
    #expect(resumes >= kills)
    let actual = try contents(dir, outputs)
    for name in outputs {
      #expect(actual[name] == expected[name], "\(name) differs from the uninterrupted run")
    }

    // Rerunning the finished command resumes from the end-of-input checkpoint: same files.
    let again = try StreamsqlBinary.run(command, in: dir, timeout: 600)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("resuming from the checkpoint"))
    #expect(try contents(dir, outputs) == expected)
  }

  @Test func changedQueryAgainstOldCheckpointIsRefused() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try CheckpointTests.writeInput(
      dir.appendingPathComponent("clicks.ndjson"), lines: 2_000, seed: 7)
    let query =
      "SELECT url, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url"
    let first = try StreamsqlBinary.run(
      ["-i", "clicks.ndjson", "-o", "out.ndjson", "--checkpoint", "state", query], in: dir)
    #expect(first.status == 0, "\(first.stderr)")
    let before = try Data(contentsOf: dir.appendingPathComponent("out.ndjson"))

    let changed = query.replacingOccurrences(of: "COUNT(*)", with: "SUM(ms)")
    let refused = try StreamsqlBinary.run(
      ["-i", "clicks.ndjson", "-o", "out.ndjson", "--checkpoint", "state", changed], in: dir)
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("was taken for a different query"))
    #expect(
      refused.stderr.contains("count(*)") && refused.stderr.contains("sum(ms)"), "\(refused.stderr)"
    )
    #expect(refused.stderr.contains("--reset-checkpoint"))
    // Refused before anything was written.
    #expect(try Data(contentsOf: dir.appendingPathComponent("out.ndjson")) == before)

    let other = try StreamsqlBinary.run(
      ["-i", "clicks.ndjson", "-o", "other.ndjson", "--checkpoint", "state", query], in: dir)
    #expect(other.status == 2, "another output file is another run")

    let reset = try StreamsqlBinary.run(
      [
        "-i", "clicks.ndjson", "-o", "out.ndjson", "--checkpoint", "state", "--reset-checkpoint",
        changed,
      ], in: dir)
    #expect(reset.status == 0, "\(reset.stderr)")
    #expect(!reset.stderr.contains("resuming"))
  }

  @Test func replacedInputIsRefused() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("clicks.ndjson")
    try CheckpointTests.writeInput(input, lines: 2_000, seed: 7)
    let command = [
      "-i", "clicks.ndjson", "-o", "out.ndjson", "--checkpoint", "state",
      "SELECT user, ms FROM stdin WHERE ms > 500",
    ]
    #expect(try StreamsqlBinary.run(command, in: dir).status == 0)
    try FileManager.default.removeItem(at: input)
    try CheckpointTests.writeInput(input, lines: 2_000, seed: 8)
    let refused = try StreamsqlBinary.run(command, in: dir)
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("cannot resume from the checkpoint"), "\(refused.stderr)")
  }

  @Test(arguments: [
    (["-i", "in.ndjson", "--format", "table", "-o", "o.ndjson"], "SELECT a FROM stdin", "--format table"),
    (
      ["-i", "in.ndjson", "-i", "in.ndjson", "-o", "o.ndjson"], "SELECT a FROM stdin",
      "several files in one source"
    ),
    (["-i", "in.ndjson", "--max-future", "1h", "-o", "o.ndjson"], "SELECT a FROM stdin", "--max-future"),
    (
      ["-i", "in.ndjson"], "INSERT INTO 'sqlite://o.db?table=t' SELECT a FROM stdin",
      "a SQLite sink for a query without aggregation"
    ),
    (
      ["-i", "in.ndjson", "-o", "o.ndjson"],
      "SELECT COUNT(*) FROM stdin WINDOW SESSION (GAP 1 MINUTE)", "processing-time windows"
    ),
    (
      ["-i", "in.ndjson", "-o", "o.ndjson"],
      "SELECT COUNT(*) FROM stdin WINDOW TUMBLING (SIZE 1 MINUTE)", "processing-time windows"
    ),
  ])
  func unsupportedRunsAreRefusedUpFront(extra: [String], query: String, named: String) throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try "{\"a\":1,\"ts\":1}\n".write(
      to: dir.appendingPathComponent("in.ndjson"), atomically: false, encoding: .utf8)
    let result = try StreamsqlBinary.run(extra + ["--checkpoint", "state", query], in: dir)
    #expect(result.status == 2)
    #expect(
      result.stderr.contains("--checkpoint does not support") && result.stderr.contains(named),
      "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.ndjson").path))
  }
}
