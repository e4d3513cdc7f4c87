import Foundation
import Testing

/// SPEC 6: output is flushed whenever the input would block, so `tail -f | streamsql | ...`
/// sees each result promptly. stdin stays open while the result is read back.
@Suite struct PromptOutputTests {
  /// A running `streamsql` whose stdin and stdout are pipes.
  final class Child {
    let process = Process()
    let stdin = Pipe()
    let stdout = Pipe()
    private var buffer = Data()

    init(_ arguments: [String]) throws {
      process.executableURL = StreamsqlBinary.url
      process.arguments = arguments
      process.standardInput = stdin
      process.standardOutput = stdout
      process.standardError = FileHandle.nullDevice
      try process.run()
      // Non-blocking reads, so that waiting for a line is a bounded poll.
      let fd = stdout.fileHandleForReading.fileDescriptor
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    func write(_ text: String) throws {
      try stdin.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// The next line of stdout, waiting at most `timeout` seconds (poll(2), no fixed sleeps).
    func readLine(timeout: TimeInterval = 10) -> String? {
      let fd = stdout.fileHandleForReading.fileDescriptor
      let deadline = Date().addingTimeInterval(timeout)
      while true {
        if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
          let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
          buffer = Data(buffer[(nl + 1)...])
          return line
        }
        let remaining = deadline.timeIntervalSinceNow
        if remaining <= 0 { return nil }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, Int32(min(remaining, 1) * 1000))
        if ready > 0 {
          var chunk = [UInt8](repeating: 0, count: 4096)
          let n = read(fd, &chunk, chunk.count)
          if n > 0 { buffer.append(contentsOf: chunk[0..<n]) } else if n == 0 { return nil }
        }
      }
    }

    /// Closes stdin and waits (at most `timeout` seconds) for the exit status.
    func finish(timeout: TimeInterval = 20) -> Int32? {
      try? stdin.fileHandleForWriting.close()
      return waitForExit(timeout: timeout)
    }

    /// Waits (at most `timeout` seconds) for the exit status, stdin left as it is; the lines
    /// printed meanwhile stay readable with `readLine`.
    func waitForExit(timeout: TimeInterval = 20) -> Int32? {
      let deadline = Date().addingTimeInterval(timeout)
      while process.isRunning {
        if Date() > deadline {
          process.terminate()
          return nil
        }
        drain()
      }
      drain()
      return process.terminationStatus
    }

    /// Moves what stdout holds into the buffer, so the child never blocks on a full pipe.
    private func drain() {
      let fd = stdout.fileHandleForReading.fileDescriptor
      var chunk = [UInt8](repeating: 0, count: 4096)
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      while poll(&pfd, 1, 20) > 0 {
        let n = read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        buffer.append(contentsOf: chunk[0..<n])
      }
    }

    deinit {
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
  }

  @Test func filterRowArrivesWhileStdinIsOpen() throws {
    let child = try Child(["SELECT url FROM stdin WHERE status >= 500"])
    try child.write("{\"url\":\"/ok\",\"status\":200}\n{\"url\":\"/boom\",\"status\":503}\n")
    #expect(child.readLine() == "{\"url\":\"/boom\"}")
    try child.write("{\"url\":\"/again\",\"status\":500}\n")
    #expect(child.readLine() == "{\"url\":\"/again\"}")
    #expect(child.finish() == 0)
  }

  @Test func windowFiresWhenTheWatermarkPassesItsEnd() throws {
    let child = try Child([
      "SELECT COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS)"
    ])
    try child.write("{\"ts\":1}\n{\"ts\":5}\n")
    try child.write("{\"ts\":11}\n")  // W = 11 ≥ 10: [0, 10) fires now, not at end of input
    #expect(
      child.readLine()
        == "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":\"1970-01-01T00:00:10.000Z\",\"n\":2}"
    )
    try child.write("{\"ts\":25}\n")
    #expect(
      child.readLine()
        == "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"window_end\":\"1970-01-01T00:00:20.000Z\",\"n\":1}"
    )
    #expect(child.finish() == 0)
  }

  /// SPEC 4: SIGINT and SIGTERM end the input: every open window fires, output is flushed and
  /// the exit status is 0, while stdin is still open.
  @Test(arguments: [SIGINT, SIGTERM])
  func signalFiresOpenWindowsAndExitsZero(_ signal: Int32) throws {
    let child = try Child([
      "SELECT COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS)"
    ])
    try child.write("{\"ts\":1}\n{\"ts\":12}\n{\"ts\":13}\n")
    // The first window's row proves the rows were read; [10, 20) is still open.
    #expect(
      child.readLine()
        == "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":\"1970-01-01T00:00:10.000Z\",\"n\":1}"
    )
    kill(child.process.processIdentifier, signal)
    #expect(child.waitForExit() == 0)
    #expect(
      child.readLine(timeout: 1)
        == "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"window_end\":\"1970-01-01T00:00:20.000Z\",\"n\":2}"
    )
  }

  /// SPEC 4: without TIMESTAMP BY, windows close on the wall clock even when no input arrives.
  @Test func processingTimeWindowClosesWithoutInput() throws {
    let child = try Child(["SELECT COUNT(*) AS n FROM stdin WINDOW TUMBLING (SIZE 1 SECOND)"])
    try child.write("{\"a\":1}\n{\"a\":2}\n")
    let line = child.readLine(timeout: 10)
    #expect(line?.hasSuffix("\"n\":2}") == true, "got \(line ?? "nothing")")
    #expect(child.finish() == 0)
  }
}
