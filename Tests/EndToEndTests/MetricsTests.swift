import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--metrics`, the progress bar and type drift as a user meets them: the built binary reading
/// an open pipe while the test scrapes `GET /metrics` over a real socket; the bar in a tmux pane
/// (a real terminal); `--stats` on stderr. Every wait polls with a timeout; nothing sleeps a
/// fixed time.
@Suite(.serialized)
struct MetricsTests {
  /// streamsql running on a pipe the test writes to, stderr in a file.
  final class Running {
    let process = Process()
    let input = Pipe()
    let directory: URL
    var stderrPath: String { directory.appendingPathComponent("stderr").path }

    init(_ arguments: [String]) throws {
      directory = try StreamsqlBinary.makeTemporaryDirectory()
      _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
      process.executableURL = StreamsqlBinary.url
      process.arguments = arguments
      process.currentDirectoryURL = directory
      process.standardInput = input
      process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
      try process.run()
    }

    func write(_ text: String) { input.fileHandleForWriting.write(text.data(using: .utf8)!) }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The port from `streamsql: metrics at http://127.0.0.1:PORT/metrics`.
    func port() throws -> Int {
      let line = try poll("the metrics address on stderr") { () -> Int? in
        guard
          let range = self.stderr.range(
            of: #"127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression)
        else { return nil }
        return Int(self.stderr[range].dropFirst("127.0.0.1:".count).prefix { $0.isNumber })
      }
      return line
    }

    /// Closes the input and waits for exit.
    func end() throws -> Int32 {
      try input.fileHandleForWriting.close()
      _ = try poll("streamsql to exit") { self.process.isRunning ? nil : true }
      return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
  }

  /// Polls `probe` every 50 ms until it returns a value, for at most `timeout` seconds.
  static func poll<T>(_ what: String, timeout: Double = 15, _ probe: () throws -> T?) throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let value = try probe() { return value }
      usleep(50_000)
    }
    throw PaneError("timed out waiting for \(what)")
  }

  /// One HTTP/1.1 GET over a plain socket: the status line and the body.
  static func get(port: Int, path: String) throws -> (status: String, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PaneError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw PaneError("connect to \(port) failed") }
    let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/plain\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = recv(fd, &chunk, chunk.count, 0)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      bytes += chunk[0..<n]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let parts = text.components(separatedBy: "\r\n\r\n")
    return (
      parts[0].components(separatedBy: "\r\n")[0], parts.dropFirst().joined(separator: "\r\n\r\n")
    )
  }

  /// The value of the sample `name` (with its labels, e.g. `x{query="1"}`) in an exposition body.
  static func value(_ name: String, in body: String) -> Double? {
    for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
      return Double(line.dropFirst(name.count + 1))
    }
    return nil
  }

  @Test func metricsEndpointCountsTheLinesWrittenSoFar() throws {
    let run = try Running([
      "--metrics", "127.0.0.1:0", "SELECT url FROM stdin TIMESTAMP BY ts WHERE status >= 500",
    ])
    let port = try run.port()
    run.write(
      """
      {"ts":"2026-11-26T08:00:01Z","url":"/a","status":500}
      {"ts":"2026-11-26T08:00:02Z","url":"/b","status":200}
      not json
      {"url":"/c","status":503}

      """)
    let body = try Self.poll("4 lines counted") { () -> String? in
      let (status, body) = try Self.get(port: port, path: "/metrics")
      #expect(status == "HTTP/1.1 200 OK")
      return Self.value("streamsql_input_lines_total", in: body) == 4 ? body : nil
    }
    #expect(body.contains("# TYPE streamsql_input_lines_total counter"))
    #expect(Self.value("streamsql_bad_lines_total", in: body) == 1)
    #expect(Self.value("streamsql_bad_rows_total", in: body) == 1)  // no event time
    #expect(Self.value("streamsql_output_rows_total{query=\"1\"}", in: body) == 1)
    #expect(Self.value("streamsql_latency_seconds_count", in: body) == 1)
    #expect(Self.value("streamsql_latency_seconds_bucket{le=\"+Inf\"}", in: body) == 1)
    #expect(Self.value("streamsql_input_bytes_total", in: body).map { $0 > 100 } == true)
    // The watermark (08:00:02) is far behind the wall clock.
    #expect(
      Self.value("streamsql_watermark_lag_seconds{query=\"1\"}", in: body).map { $0 > 0 } == true)

    run.write(#"{"ts":"2026-11-26T08:00:03Z","url":"/d","status":502}"# + "\n")
    let later = try Self.poll("5 lines counted") { () -> String? in
      let body = try Self.get(port: port, path: "/metrics").body
      return Self.value("streamsql_input_lines_total", in: body) == 5 ? body : nil
    }
    #expect(Self.value("streamsql_output_rows_total{query=\"1\"}", in: later) == 2)
    #expect(try Self.get(port: port, path: "/nope").status == "HTTP/1.1 404 Not Found")
    #expect(try run.end() == 0)
  }

  @Test func stateSizeAndLateRowsPerQuery() throws {
    let run = try Running([
      "--metrics", "0",
      "SELECT k, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k",
    ])
    let port = try run.port()
    run.write(
      """
      {"ts":"2026-11-26T08:00:01Z","k":"a"}
      {"ts":"2026-11-26T08:00:02Z","k":"b"}
      {"ts":"2026-11-26T08:01:02Z","k":"c"}
      {"ts":"2026-11-26T08:00:03Z","k":"late"}

      """)
    let body = try Self.poll("4 lines counted") { () -> String? in
      let body = try Self.get(port: port, path: "/metrics").body
      return Self.value("streamsql_input_lines_total", in: body) == 4 ? body : nil
    }
    #expect(Self.value("streamsql_open_windows{query=\"1\"}", in: body) == 1)
    #expect(Self.value("streamsql_state_groups{query=\"1\"}", in: body) == 1)
    #expect(Self.value("streamsql_output_rows_total{query=\"1\"}", in: body) == 2)
    #expect(Self.value("streamsql_late_rows_total{query=\"1\"}", in: body) == 1)
    #expect(try run.end() == 0)
  }

  @Test func aTakenPortFailsTheRun() throws {
    let run = try Running(["--metrics", "0", "SELECT a FROM stdin"])
    let port = try run.port()
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let second = try StreamsqlBinary.run(
      ["--metrics", "127.0.0.1:\(port)", "SELECT a FROM stdin"], in: dir)
    #expect(second.status == 1)
    #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(port)"))
    #expect(try run.end() == 0)
  }

  @Test func statsShowTypeDrift() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let lines =
      (0..<999).map { #"{"status":\#(200 + $0 % 3)}"# } + [
        #"{"status":"oops"}"#, #"{"status":null}"#,
      ]
    let result = try StreamsqlBinary.run(
      ["--stats", "SELECT status FROM stdin"],
      stdin: (lines.joined(separator: "\n") + "\n").data(using: .utf8)!, in: dir)
    #expect(result.status == 0)
    #expect(
      result.stderr.contains(
        "  type drift:\n    status: BIGINT 99.9%, VARCHAR 0.1% (1 of 1000 rows not BIGINT)\n"))
    // Not a terminal: no progress bar.
    #expect(!result.stderr.contains("ETA"))
  }

  @Test func progressBarOnATerminalIsDrawnAndCleared() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let big = dir.appendingPathComponent("big.ndjson")
    let line = #"{"ts":"2026-11-26T08:00:01Z","url":"/some/page","status":200}"# + "\n"  // 62 bytes
    try String(repeating: line, count: 50_000).write(to: big, atomically: true, encoding: .utf8)  // 3.1 MB
    let bin = try TmuxPane.binary()
    // The reader of the output never reads: the run blocks on output with the bar on screen.
    let blocked = try TmuxPane(
      command: ["sh", "-c", "'\(bin)' -i big.ndjson 'SELECT * FROM stdin' | sleep 60"],
      directory: dir.path)
    let screen = try blocked.waitFor("/ 3.1 MB")
    #expect(screen.contains("ETA"))
    #expect(screen.contains("["))
    // A run to the end erases the bar before --stats print.
    let done = try TmuxPane(
      command: [
        "sh", "-c",
        "'\(bin)' --stats -i big.ndjson 'SELECT COUNT(*) AS n FROM stdin' > /dev/null; echo finished",
      ],
      directory: dir.path)
    let after = try done.waitFor("finished")
    #expect(after.contains("events read:    50000"))
    #expect(!after.contains("ETA"))
    // Every byte written to the terminal, recorded by util-linux `script`: the bar is drawn,
    // then erased (`\r` and erase-line) as the last thing; with --no-progress it never is.
    let drawn = try Self.terminalBytes(
      "'\(bin)' -i big.ndjson 'SELECT COUNT(*) AS n FROM stdin' > /dev/null", in: dir)
    #expect(drawn.contains("ETA"))
    #expect(drawn.contains("\r\u{1B}[K"))
    let quiet = try Self.terminalBytes(
      "'\(bin)' --no-progress -i big.ndjson 'SELECT COUNT(*) AS n FROM stdin' > /dev/null", in: dir)
    #expect(!quiet.contains("ETA"))
  }

  /// What `command` writes to a pseudo-terminal, through `script -qec COMMAND LOG`.
  static func terminalBytes(_ command: String, in directory: URL) throws -> String {
    let log = directory.appendingPathComponent("typescript-\(UUID().uuidString)").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, log]
    process.currentDirectoryURL = directory
    process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    _ = try poll("script to exit", timeout: 30) { process.isRunning ? nil : true }
    #expect(process.terminationStatus == 0)
    return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
  }
}
