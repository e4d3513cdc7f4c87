import Foundation
import Testing

/// Sources (SPEC 1, 2; issue 5): sockets and followed files, with real sockets and processes
/// on loopback. Nothing sleeps a fixed time: every wait polls with a timeout.
@Suite struct SourcesTests {
  private static func object(_ line: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
  }

  /// 8 clients at once, 100,000 lines each: every line is counted exactly once (COUNT(*) and
  /// COUNT(DISTINCT i) per client both reach 100,000 and never pass it).
  @Test func eightConcurrentClientsEveryLineCountedOnce() throws {
    let port = TestSocket.freePort()
    let child = try SourceChild([
      "-i", "tcp-listen://127.0.0.1:\(port)",
      "SELECT c, COUNT(*) AS n, COUNT(DISTINCT i) AS d FROM stdin GROUP BY c EMIT CHANGES",
    ])
    #expect(child.waitForStderr("listening on tcp-listen://127.0.0.1:\(port)"))
    let clients = (0..<8).compactMap { _ in TestSocket.connect(port: port) }
    #expect(clients.count == 8)
    let group = DispatchGroup()
    for (k, fd) in clients.enumerated() {
      group.enter()
      Thread {
        var lines: [UInt8] = []
        for i in 0..<100_000 {
          lines += Array("{\"c\":\(k),\"i\":\(i)}\n".utf8)
          if lines.count > 60_000 {
            TestSocket.send(fd, lines)
            lines.removeAll(keepingCapacity: true)
          }
        }
        TestSocket.send(fd, lines)
        close(fd)
        group.leave()
      }.start()
    }
    #expect(group.wait(timeout: .now() + 300) == .success)
    var latest: [Int: (n: Int, d: Int)] = [:]
    var maxSeen = 0
    let done = child.wait(timeout: 300) { child in
      for line in child.lines {
        let o = SourcesTests.object(line)
        guard let c = o["c"] as? Int, let n = o["n"] as? Int, let d = o["d"] as? Int else {
          continue
        }
        latest[c] = (n, d)
        maxSeen = max(maxSeen, n)
      }
      return latest.count == 8 && latest.values.allSatisfy { $0.n == 100_000 }
    }
    #expect(done, "per-client counts: \(latest)")
    #expect(child.stop() == 0)
    for line in child.lines {
      let o = SourcesTests.object(line)
      if let n = o["n"] as? Int, let d = o["d"] as? Int {
        #expect(n <= 100_000 && d == n, "\(line)")
      }
    }
    #expect(maxSeen == 100_000)
    #expect(!child.errorText.contains("bad input line"), "\(child.errorText)")
  }

  /// A client that disconnects mid-line yields exactly one bad line, not a torn row; another
  /// client's lines are unaffected.
  @Test func clientDroppingMidLineIsOneBadLine() throws {
    let port = TestSocket.freePort()
    let child = try SourceChild(["-i", "tcp-listen://127.0.0.1:\(port)", "SELECT a FROM stdin"])
    let first = try #require(TestSocket.connect(port: port))
    TestSocket.send(first, "{\"a\":1}\n{\"a\":2}\n{\"a\":3")
    #expect(child.nextLine() == "{\"a\":1}")
    #expect(child.nextLine() == "{\"a\":2}")
    close(first)
    let second = try #require(TestSocket.connect(port: port))
    // The second client's bytes must not be glued to the first client's unfinished line.
    TestSocket.send(second, "{\"a\":4}\n")
    #expect(child.nextLine() == "{\"a\":4}")
    close(second)
    #expect(child.stop() == 0)
    #expect(child.lines == ["{\"a\":1}", "{\"a\":2}", "{\"a\":4}"])
    #expect(child.errorText.contains("streamsql: 1 bad input line skipped"), "\(child.errorText)")
    #expect(child.errorText.contains("connection closed mid-line"), "\(child.errorText)")
  }

  /// tcp:// connects to a server, and when the server goes away reconnects (saying so) and
  /// reads the restarted server's lines.
  @Test func tcpConnectReconnectsAfterServerRestart() throws {
    let port = TestSocket.freePort()
    var listener = TestSocket.listen(port: port)
    let child = try SourceChild(["-i", "tcp://127.0.0.1:\(port)", "SELECT a FROM stdin"])
    var server = try #require(TestSocket.accept(listener))
    TestSocket.send(server, "{\"a\":1}\n")
    #expect(child.nextLine() == "{\"a\":1}")
    close(server)
    close(listener)
    #expect(child.waitForStderr("reconnecting in"))
    listener = TestSocket.listen(port: port)
    server = try #require(TestSocket.accept(listener, timeout: 30))
    TestSocket.send(server, "{\"a\":2}\n")
    #expect(child.nextLine() == "{\"a\":2}")
    #expect(child.stop() == 0)
    close(server)
    close(listener)
    #expect(child.lines == ["{\"a\":1}", "{\"a\":2}"])
    #expect(child.errorText.contains("tcp://127.0.0.1:\(port): connected"))
    #expect(
      child.errorText.contains("connection closed by the server; reconnecting in 0.1s"),
      "\(child.errorText)")
  }

  /// unix:// listens on a socket file, replacing a stale one, and removes it at exit.
  @Test func unixSocketReplacesStaleFileAndReads() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("events.sock").path
    // A stale socket file: bound, then closed without unlinking.
    let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = TestSocket.unixAddress(path)
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    close(stale)
    #expect(FileManager.default.fileExists(atPath: path))
    let child = try SourceChild([
      "-i", "unix://\(path)", "SELECT SUM(v) AS total FROM stdin WINDOW TUMBLING (SIZE 2 ROWS)",
    ])
    #expect(child.waitForStderr("listening on unix://\(path)"))
    #expect(child.errorText.contains("removed a stale socket file"))
    let client = try #require(TestSocket.connect(unixPath: path))
    TestSocket.send(client, "{\"v\":1}\n{\"v\":2}\n")
    #expect(child.nextLine()?.hasSuffix("\"total\":3}") == true)
    close(client)
    #expect(child.stop(SIGTERM) == 0)
    #expect(!FileManager.default.fileExists(atPath: path))
  }

  /// --follow: rows appended while streamsql runs appear; after rotation (mv + new file) the
  /// old file is read to its end, then the new one; after truncation reading restarts at 0.
  /// Every line once, in order.
  @Test func followedFileSurvivesAppendRotationAndTruncation() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = dir.appendingPathComponent("app.log")
    func append(_ url: URL, _ numbers: ClosedRange<Int>) throws {
      let text = numbers.map { "{\"n\":\($0)}\n" }.joined()
      if !FileManager.default.fileExists(atPath: url.path) {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
      }
      let handle = try FileHandle(forWritingTo: url)
      try handle.seekToEnd()
      try handle.write(contentsOf: Data(text.utf8))
      try handle.close()
    }
    func expectRows(_ child: SourceChild, _ numbers: ClosedRange<Int>) {
      for n in numbers { #expect(child.nextLine() == "{\"n\":\(n)}") }
    }
    try append(log, 1...3)
    let child = try SourceChild(["--follow", "-i", log.path, "SELECT n FROM stdin"])
    expectRows(child, 1...3)
    try append(log, 4...5)
    expectRows(child, 4...5)
    // Rotation: the writer finishes the old file after the move, then starts a new one.
    let rotated = dir.appendingPathComponent("app.log.1")
    try FileManager.default.moveItem(at: log, to: rotated)
    try append(rotated, 6...6)
    try append(log, 7...8)
    expectRows(child, 6...8)
    #expect(child.waitForStderr("file rotated"))
    // Truncation (copytruncate): the file shrinks below what was read.
    let handle = try FileHandle(forWritingTo: log)
    try handle.truncate(atOffset: 0)
    try handle.close()
    #expect(child.waitForStderr("file truncated"))
    try append(log, 9...9)
    expectRows(child, 9...9)
    #expect(child.stop() == 0)
    #expect(child.lines == (1...9).map { "{\"n\":\($0)}" })
  }

  /// A followed input never ends by itself, but with --idle-timeout its windows close while
  /// the file is quiet.
  @Test func followedFileWindowsCloseWhenIdle() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = dir.appendingPathComponent("events.ndjson")
    try Data("{\"ts\":1700000009800,\"v\":1}\n{\"ts\":1700000009900,\"v\":2}\n".utf8).write(to: log)
    let child = try SourceChild([
      "--follow", "--idle-timeout", "200ms", "-i", log.path,
      "SELECT SUM(v) AS total FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS)",
    ])
    let line = child.nextLine(timeout: 60)
    #expect(line?.hasSuffix("\"total\":3}") == true, "got \(line ?? "nothing")")
    #expect(child.process.isRunning)
    #expect(child.stop() == 0)
  }
}
