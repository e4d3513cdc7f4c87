import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--checkpoint` with stdin and stdout: stdin redirected from a file and stdout appended to a
/// file resume exactly; stdin from a pipe keeps its state (the lines after the checkpoint are
/// the sender's to send again); a stdout the shell emptied is refused; stdout on a pipe works
/// with the at-least-once note.
@Suite(.serialized)
struct CheckpointStreamTests {
  static let query = """
    SELECT url, COUNT(*) AS n, COUNT(DISTINCT user) AS users, MAX(ms) AS slowest
    FROM stdin TIMESTAMP BY ts WINDOW HOPPING (SIZE 2 MINUTES, ADVANCE BY 30 SECONDS) GROUP BY url
    """

  /// Starts streamsql with the given stdin and stdout, stderr into a file of the directory.
  static func start(_ arguments: [String], in dir: URL, stdin: Any, stdout: Any) throws -> (
    Process, URL
  ) {
    let process = Process()
    process.executableURL = StreamsqlBinary.url
    process.arguments = arguments
    process.currentDirectoryURL = dir
    process.standardInput = stdin
    process.standardOutput = stdout
    let err = dir.appendingPathComponent(".stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardError = try FileHandle(forWritingTo: err)
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    try process.run()
    return (process, err)
  }

  static func shell(_ command: String, in dir: URL) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.currentDirectoryURL = dir
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(command)")
  }

  /// `path` opened the way a shell's `>>` opens it.
  static func appending(_ path: String) -> FileHandle {
    FileHandle(fileDescriptor: open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644), closeOnDealloc: true)
  }

  static func reference(_ dir: URL, lines: Int) throws -> Data {
    let plain = try StreamsqlBinary.run(["-i", "clicks.ndjson", query], in: dir, timeout: 600)
    #expect(plain.status == 0, "\(plain.stderr)")
    let expected = Data(plain.stdout.utf8)
    #expect(!expected.isEmpty)
    return expected
  }

  /// Runs `command` until one or two new checkpoints appear, kills it with SIGKILL, three
  /// times, then lets a last run finish; returns how many runs were killed.
  static func killThreeTimesThenFinish(
    _ command: [String], in dir: URL, stdin: () throws -> Any = { FileHandle.nullDevice },
    stdout: () -> Any = { FileHandle.nullDevice }
  ) throws -> Int {
    let state = dir.appendingPathComponent("state")
    var kills = 0
    for attempt in 0..<8 {
      let (process, err) = try Self.start(command, in: dir, stdin: try stdin(), stdout: stdout())
      if attempt < 3 {
        // Killed after one or two new checkpoints, so each run gets somewhere.
        var inode = CheckpointTests.checkpointInode(state)
        var ended = false
        for _ in 0..<(1 + attempt % 2) where !ended {
          ended = CheckpointTests.waitUntil(process, deadline: Date() + 300) {
            CheckpointTests.checkpointInode(state) != inode
          }
          inode = CheckpointTests.checkpointInode(state)
        }
        if process.isRunning {
          kill(process.processIdentifier, SIGKILL)
          process.waitUntilExit()
          if process.terminationReason == .uncaughtSignal { kills += 1 }
          continue
        }
      }
      process.waitUntilExit()
      #expect(
        process.terminationStatus == 0, "\((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
      break
    }
    return kills
  }

  @Test func stdinFromFileAndStdoutAppendedKilledAndRestartedGiveIdenticalOutput() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("clicks.ndjson")
    try CheckpointTests.writeInput(input, lines: CheckpointTests.lineCount, seed: 11)
    let expected = try CheckpointStreamTests.reference(dir, lines: CheckpointTests.lineCount)

    let out = dir.appendingPathComponent("out.ndjson").path
    let command = ["--checkpoint", "state", "--checkpoint-interval", "100ms", Self.query]
    let kills = try Self.killThreeTimesThenFinish(
      command, in: dir, stdin: { try FileHandle(forReadingFrom: input) },
      stdout: { Self.appending(out) })
    #expect(kills >= 2, "the run ended before it could be killed; use more lines")
    #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == expected)
  }

  @Test func pipedStdinKeepsItsStateAcrossAKill() throws {
    signal(SIGPIPE, SIG_IGN)
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("clicks.ndjson")
    try CheckpointTests.writeInput(input, lines: CheckpointTests.lineCount, seed: 12)
    let expected = try CheckpointStreamTests.reference(dir, lines: CheckpointTests.lineCount)
    let lines = try String(contentsOf: input, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false
    ).dropLast().map { $0 + "\n" }

    let state = dir.appendingPathComponent("state")
    let command = [
      "--checkpoint", "state", "--checkpoint-interval", "100ms", "-o", "out.ndjson", "--stats",
      Self.query,
    ]
    // First run: the lines arrive through a pipe; killed after two checkpoints.
    let pipe = Pipe()
    let (first, _) = try Self.start(command, in: dir, stdin: pipe, stdout: FileHandle.nullDevice)
    let writer = pipe.fileHandleForWriting
    let all = Data(lines.joined().utf8)
    DispatchQueue.global().async {
      try? writer.write(contentsOf: all)
      try? writer.close()
    }
    var inode = CheckpointTests.checkpointInode(state)
    for _ in 0..<2 {
      _ = CheckpointTests.waitUntil(first, deadline: Date() + 300) {
        CheckpointTests.checkpointInode(state) != inode
      }
      inode = CheckpointTests.checkpointInode(state)
    }
    #expect(first.isRunning, "the run ended before it could be killed; use more lines")
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()

    // The restart says how many lines its state covers; the sender sends the rest.
    let rest = Pipe()
    let (second, err) = try Self.start(
      command, in: dir, stdin: rest, stdout: FileHandle.nullDevice)
    let stderrText = { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
    _ = CheckpointTests.waitUntil(second, deadline: Date() + 60) {
      stderrText().contains("already processed")
    }
    let message = stderrText()
    #expect(message.contains("stdin cannot be read again"), "\(message)")
    let covered = message.split(separator: " ").firstIndex(of: "input").map {
      Int(message.split(separator: " ")[$0 - 1]) ?? -1
    }
    let n = try #require(covered, "\(message)")
    #expect(n > 0 && n < lines.count)
    let tail = Data(lines[n...].joined().utf8)
    let restWriter = rest.fileHandleForWriting
    DispatchQueue.global().async {
      try? restWriter.write(contentsOf: tail)
      try? restWriter.close()
    }
    second.waitUntilExit()
    #expect(second.terminationStatus == 0, "\(stderrText())")
    #expect(stderrText().contains("restored:       \(n) input lines covered by the checkpoint"))
    #expect(try Data(contentsOf: dir.appendingPathComponent("out.ndjson")) == expected)
  }

  @Test func stdoutEmptiedByTheShellIsRefused() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("clicks.ndjson")
    try CheckpointTests.writeInput(input, lines: 3_000, seed: 13)
    let out = dir.appendingPathComponent("out.ndjson")
    for run in 0..<2 {
      // `> out.ndjson`: created empty each time.
      _ = FileManager.default.createFile(atPath: out.path, contents: nil)
      let (process, err) = try Self.start(
        ["--checkpoint", "state", Self.query], in: dir,
        stdin: try FileHandle(forReadingFrom: input), stdout: try FileHandle(forWritingTo: out))
      process.waitUntilExit()
      let message = try String(contentsOf: err, encoding: .utf8)
      if run == 0 {
        #expect(process.terminationStatus == 0, "\(message)")
      } else {
        #expect(process.terminationStatus == 1)
        #expect(message.contains("stdout is shorter") && message.contains(">>"), "\(message)")
      }
    }
  }

  @Test func stdoutOnAPipeResumesAndSaysRowsMayRepeat() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try CheckpointTests.writeInput(
      dir.appendingPathComponent("clicks.ndjson"), lines: 3_000, seed: 14)
    let command = ["-i", "clicks.ndjson", "--checkpoint", "state", Self.query]
    /// Runs with stdout on a pipe (its output is small enough for the pipe's buffer).
    func runOnPipe() throws -> (status: Int32, stdout: String, stderr: String) {
      let pipe = Pipe()
      let (process, err) = try Self.start(command, in: dir, stdin: FileHandle.nullDevice, stdout: pipe)
      process.waitUntilExit()
      let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      return (process.terminationStatus, out, try String(contentsOf: err, encoding: .utf8))
    }
    let first = try runOnPipe()
    #expect(first.status == 0, "\(first.stderr)")
    let again = try runOnPipe()
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("rows printed to stdout after that checkpoint may be printed again"))
    // The end-of-input checkpoint holds the windows that the end fires: they print again.
    #expect(!again.stdout.isEmpty && first.stdout.hasSuffix(again.stdout))
  }

  /// How far process `pid` has read the file at `path` (its descriptor's offset), from /proc.
  static func readOffset(pid: Int32, path: String) -> Int64? {
    let fds = "/proc/\(pid)/fd"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: fds) else { return nil }
    for entry in entries {
      guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fds + "/" + entry),
        target == path,
        let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(entry)", encoding: .utf8),
        let line = info.split(separator: "\n").first(where: { $0.hasPrefix("pos:") })
      else { continue }
      return Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
    }
    return nil
  }

  @Test func followedFileStoppedKilledRotatedAndRestartedGivesIdenticalOutput() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory().resolvingSymlinksInPath()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("clicks.ndjson")
    try CheckpointTests.writeInput(input, lines: 60_000, seed: 15)
    let expected = try CheckpointStreamTests.reference(dir, lines: 60_000)
    let lines = try String(contentsOf: input, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false
    ).dropLast().map { $0 + "\n" }
    let log = dir.appendingPathComponent("access.log")
    func append(_ range: Range<Int>, to url: URL = log) throws {
      if !FileManager.default.fileExists(atPath: url.path) {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
      }
      let handle = try FileHandle(forWritingTo: url)
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(lines[range].joined().utf8))
      try handle.close()
    }
    let command = [
      "-i", "access.log", "--follow", "--checkpoint", "state", "--checkpoint-interval", "100ms",
      "-o", "out.ndjson", Self.query,
    ]
    let state = dir.appendingPathComponent("state")
    /// Starts a run and waits until it has read `log` to its end.
    func startAndCatchUp() throws -> (Process, URL) {
      let (process, err) = try Self.start(
        command, in: dir, stdin: FileHandle.nullDevice, stdout: FileHandle.nullDevice)
      let size = CheckpointTests.fileSize(log)
      let ended = CheckpointTests.waitUntil(process, deadline: Date() + 120) {
        Self.readOffset(pid: process.processIdentifier, path: log.path) == size
      }
      #expect(!ended, "a followed run ended by itself")
      return (process, err)
    }

    try append(0..<20_000)
    let (first, _) = try startAndCatchUp()
    try append(20_000..<30_000)
    let inode = CheckpointTests.checkpointInode(state)
    _ = CheckpointTests.waitUntil(first, deadline: Date() + 60) {
      CheckpointTests.checkpointInode(state) != inode
    }
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()

    // While it is down, the log gets more lines and is rotated.
    try append(30_000..<40_000)
    try FileManager.default.moveItem(at: log, to: dir.appendingPathComponent("access.log.1"))
    try append(40_000..<50_000)
    let (second, err) = try startAndCatchUp()
    kill(second.processIdentifier, SIGINT)
    second.waitUntilExit()
    #expect(second.terminationStatus == 0)
    let message = try String(contentsOf: err, encoding: .utf8)
    #expect(message.contains("reading the rest of 'access.log.1' first"), "\(message)")

    // Stopped with SIGINT: the last checkpoint was taken at the stop, so nothing is read twice.
    try append(50_000..<60_000)
    let (third, _) = try startAndCatchUp()
    kill(third.processIdentifier, SIGINT)
    third.waitUntilExit()
    #expect(third.terminationStatus == 0)
    #expect(try Data(contentsOf: dir.appendingPathComponent("out.ndjson")) == expected)
  }

  @Test func deadLetterAndLateFilesKilledAndRestartedGiveIdenticalFiles() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let clean = dir.appendingPathComponent("clean.ndjson")
    try CheckpointTests.writeInput(clean, lines: CheckpointTests.lineCount, seed: 16)
    // Every 997th line is broken: the dead-letter file gets it.
    var lines = try String(contentsOf: clean, encoding: .utf8).split(separator: "\n").map(String.init)
    for i in stride(from: 500, to: lines.count, by: 997) { lines[i] = String(lines[i].dropLast(3)) }
    try (lines.joined(separator: "\n") + "\n").write(
      to: dir.appendingPathComponent("clicks.ndjson"), atomically: false, encoding: .utf8)
    let files = ["out.ndjson", "dead.ndjson", "late.ndjson"]
    let options = [
      "-i", "clicks.ndjson", "--on-error", "dead-letter=dead.ndjson", "--late-output", "late.ndjson",
      "-o", "out.ndjson",
    ]
    let query =
      "SELECT user, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY user"
    let plain = try StreamsqlBinary.run(options + [query], in: dir, timeout: 600)
    #expect(plain.status == 0, "\(plain.stderr)")
    var expected: [String: Data] = [:]
    for name in files {
      expected[name] = try Data(contentsOf: dir.appendingPathComponent(name))
      #expect(expected[name]?.isEmpty == false, "\(name) is empty: the test checks nothing")
      try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
    }

    let command = options + ["--checkpoint", "state", "--checkpoint-interval", "100ms", query]
    let kills = try Self.killThreeTimesThenFinish(command, in: dir)
    #expect(kills >= 2, "the run ended before it could be killed; use more lines")
    for name in files {
      #expect(try Data(contentsOf: dir.appendingPathComponent(name)) == expected[name], "\(name)")
    }
  }

  @Test func pacedReplayOfARangeKilledAndResumedAtFullSpeedGivesTheSameOutput() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    // 100,000 lines over about 50 minutes of event time; the range is the middle 30 minutes.
    try CheckpointTests.writeInput(
      dir.appendingPathComponent("clicks.ndjson"), lines: 100_000, seed: 17)
    let range = ["--from", "2023-11-14T22:20:00Z", "--until", "2023-11-14T22:50:00Z"]
    let base = ["-i", "clicks.ndjson", "-o", "out.ndjson", "--stats"] + range + [Self.query]
    let plain = try StreamsqlBinary.run(base, in: dir, timeout: 600)
    #expect(plain.status == 0, "\(plain.stderr)")
    let expected = try Data(contentsOf: dir.appendingPathComponent("out.ndjson"))
    #expect(!expected.isEmpty)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("out.ndjson"))

    // Paced at 600× real time (about 3 s for the range), killed after a checkpoint.
    let state = dir.appendingPathComponent("state")
    let checkpoint = ["--checkpoint", "state", "--checkpoint-interval", "100ms"]
    let (paced, _) = try Self.start(
      checkpoint + ["--replay-speed", "600"] + base, in: dir, stdin: FileHandle.nullDevice,
      stdout: FileHandle.nullDevice)
    let inode = CheckpointTests.checkpointInode(state)
    var ended = CheckpointTests.waitUntil(paced, deadline: Date() + 120) {
      CheckpointTests.checkpointInode(state) != inode
    }
    // Once the replay has written rows, so that the kill cuts some back.
    ended =
      ended
      || CheckpointTests.waitUntil(paced, deadline: Date() + 120) {
        CheckpointTests.fileSize(dir.appendingPathComponent("out.ndjson")) > 0
      }
    #expect(!ended, "the paced replay ended before it could be killed")
    kill(paced.processIdentifier, SIGKILL)
    paced.waitUntilExit()

    // The speed is not part of the checkpoint: the rest runs at full speed.
    let resumed = try StreamsqlBinary.run(checkpoint + base, in: dir, timeout: 600)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming from the checkpoint"))
    #expect(try Data(contentsOf: dir.appendingPathComponent("out.ndjson")) == expected)
    // Rows outside the range are counted across the restart as in one run.
    let outside = { (text: String) in text.split(separator: "\n").first { $0.contains("outside") } }
    #expect(outside(resumed.stderr) != nil && outside(resumed.stderr) == outside(plain.stderr))
  }

  @Test func gzipInputKilledAndRestartedGivesIdenticalOutput() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("clicks.ndjson")
    try CheckpointTests.writeInput(input, lines: CheckpointTests.lineCount, seed: 18)
    let expected = try CheckpointStreamTests.reference(dir, lines: CheckpointTests.lineCount)
    try Self.shell("gzip -k clicks.ndjson", in: dir)
    let command = [
      "-i", "clicks.ndjson.gz", "-o", "out.ndjson", "--checkpoint", "state",
      "--checkpoint-interval", "100ms", Self.query,
    ]
    let kills = try Self.killThreeTimesThenFinish(command, in: dir)
    #expect(kills >= 2, "the run ended before it could be killed; use more lines")
    #expect(try Data(contentsOf: dir.appendingPathComponent("out.ndjson")) == Data(expected))

    // A gzip file replaced since the checkpoint is not read past blindly.
    try Self.shell("head -1000 clicks.ndjson | gzip > new.gz && mv new.gz clicks.ndjson.gz", in: dir)
    let refused = try StreamsqlBinary.run(command, in: dir)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("is not the same file"), "\(refused.stderr)")
  }
}
