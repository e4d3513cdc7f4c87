import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The REPL as a person sees it: the real binary in a tmux pane (a real pseudo-terminal, with
/// readline's line editing), keys sent with `send-keys`, the screen read with `capture-pane`.
/// Every wait polls the screen until the expected text appears, with a timeout.
///
/// Needs tmux (Debian package `tmux`, which `.ci/run` installs); without it the first test fails
/// saying so, rather than the suite passing without having run.
@Suite(.serialized)
struct REPLTests {
  static let clicks = """
    {"ts":"2026-11-26T08:00:01Z","user_id":"u1","url":"/a","status":200,"device":{"os":"ios","version":17}}
    {"ts":"2026-11-26T08:00:20Z","user_id":"u2","url":"/b","status":500,"device":{"os":"android","version":14}}
    {"ts":"2026-11-26T08:01:05Z","user_id":"u1","url":"/a","status":200,"device":{"os":"ios","version":17.1}}
    {"ts":"2026-11-26T08:02:10Z","user_id":"u3","url":"/c","status":404}

    """

  /// A temporary directory with `clicks.ndjson` and a history file path.
  struct Workspace {
    let directory: URL
    var data: String { directory.appendingPathComponent("clicks.ndjson").path }
    var history: String { directory.appendingPathComponent("history").path }

    init() throws {
      directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "streamsql-repl-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try REPLTests.clicks.write(toFile: data, atomically: true, encoding: .utf8)
    }

    func open() throws -> TmuxPane {
      try TmuxPane(
        command: [
          "env", "STREAMSQL_HISTORY=\(history)", try TmuxPane.binary(), "--repl", "-i", data,
        ], directory: directory.path)
    }
  }

  /// On a terminal the command line's default format is the table. Rows from an input that
  /// never ends (a pipe kept open) print as they come, and EMIT CHANGES is a live table — not
  /// a table that waits for an end of input that does not come.
  @Test(arguments: [
    ("SELECT url, status FROM stdin", "| /a  |    500 |"),
    ("SELECT url, COUNT(*) AS n FROM stdin GROUP BY url EMIT CHANGES", "| /a  | 2 |"),
  ])
  func commandLineTableShowsRowsWhileInputStaysOpen(_ query: String, _ expected: String) throws {
    let workspace = try Workspace()
    let script = workspace.directory.appendingPathComponent("feed.sh").path
    let feed = #"(printf '{"url":"/a","status":500}\n{"url":"/b","status":200}\n{"url":"/a","status":500}\n'; sleep 60) | "#
    try (feed + "'\(try TmuxPane.binary())' \"\(query)\"\n").write(toFile: script, atomically: true, encoding: .utf8)
    let pane = try TmuxPane(command: ["sh", script], directory: workspace.directory.path)
    let screen = try pane.waitFor(expected)
    #expect(screen.contains("| url |"))
  }

  @Test func queryOverAFilePrintsRows() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("SELECT url, status, device.os FROM input;")
    pane.press("Enter")
    let screen = try pane.waitFor("(4 rows)")
    #expect(screen.contains("| url | status | os      |"))
    #expect(screen.contains("| /b  |    500 | android |"))
    #expect(screen.contains("| /c  |    404 | NULL    |"))
    try pane.waitForLastLine("streamsql> ")
  }

  @Test func statementContinuesAcrossLines() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("SELECT url,")
    pane.press("Enter")
    try pane.waitFor("      ...> ")
    pane.type("COUNT(*) AS n FROM input GROUP BY url;")
    pane.press("Enter")
    let screen = try pane.waitFor("(3 rows)")
    #expect(screen.contains("| /a  | 2 |"))
  }

  @Test func tabCompletesFieldNamesIncludingNestedOnes() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("SELECT dev")
    pane.press("Tab")
    try pane.waitFor("streamsql> SELECT device")
    pane.type(".")
    pane.press("Tab", "Tab")
    let screen = try pane.waitFor("device.version")
    #expect(screen.contains("device.os"))
    pane.press("C-u")
    pane.type("SELECT COUNT(*) FROM inp")
    pane.press("Tab")
    try pane.waitFor("FROM input")
  }

  @Test func historyIsKeptAcrossRuns() throws {
    let workspace = try Workspace()
    do {
      let pane = try workspace.open()
      try pane.waitFor("streamsql> ")
      pane.type("SELECT 40 + 2 AS answer;")
      pane.press("Enter")
      try pane.waitFor("(1 row)")
      pane.press("C-d")
      try pane.waitUntilExited()
    }
    let pane = try workspace.open()
    try pane.waitFor("streamsql> ")
    pane.press("Up")
    try pane.waitForLastLine("streamsql> SELECT 40 + 2 AS answer;")
  }

  @Test func ctrlCCancelsARunningQueryAndKeepsStreams() throws {
    let workspace = try Workspace()
    let fifo = workspace.directory.appendingPathComponent("events.fifo").path
    #expect(mkfifo(fifo, 0o600) == 0)
    // Read-write, so opening does not wait for a reader and the stream never ends.
    let writer = Glibc.open(fifo, O_RDWR)
    #expect(writer >= 0)
    defer { close(writer) }
    let line = "{\"a\":1,\"b\":\"x\"}\n"
    _ = line.withCString { write(writer, $0, strlen($0)) }

    let pane = try workspace.open()
    try pane.waitFor("streamsql> ")
    pane.type("CREATE STREAM events WITH (source = '\(fifo)');")
    pane.press("Enter")
    try pane.waitFor("created stream events")
    pane.type("SELECT a, b FROM events;")
    pane.press("Enter")
    try pane.waitFor("| 1 | x |")
    pane.press("C-c")
    try pane.waitFor("Query cancelled.")
    try pane.waitForLastLine("streamsql> ")
    pane.type("SHOW STREAMS;")
    pane.press("Enter")
    let screen = try pane.waitFor("| events |")
    #expect(screen.contains("| input "))
  }

  @Test func ctrlCAtThePromptClearsTheLine() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("SELECT abc")
    try pane.waitFor("streamsql> SELECT abc")
    pane.press("C-c")
    try pane.waitFor("SELECT abc^C")
    try pane.waitForLastLine("streamsql> ")
    pane.type("SELECT 1 AS one;")
    pane.press("Enter")
    try pane.waitFor("(1 row)")
  }

  @Test func errorsPrintACaretAndTheSessionGoesOn() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("SELECT nope( FROM input;")
    pane.press("Enter")
    let screen = try pane.waitFor("^^^^")
    #expect(screen.contains("error: expected an expression, found 'FROM'"))
    #expect(screen.contains("1 | SELECT nope( FROM input;"))
    pane.type("CREATE STREAM bad WITH (source = 'x.ndjson', colour = 'red');")
    pane.press("Enter")
    try pane.waitFor("unknown stream option 'colour'")
    pane.type("SHOW STREAMS;")
    pane.press("Enter")
    let after = try pane.waitFor("| input ")
    #expect(!after.contains("| bad "))
  }

  @Test func emitChangesIsALiveTableLeftOnScreen() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("SELECT url, COUNT(*) AS n FROM input GROUP BY url EMIT CHANGES;")
    pane.press("Enter")
    let screen = try pane.waitFor("| /c  | 1 |")
    try pane.waitForLastLine("streamsql> ")
    #expect(
      screen.components(separatedBy: "| url | n |").count == 2,
      "the table is redrawn in place, one header")
    #expect(screen.contains("| /a  | 2 |"))
  }

  @Test func describeShowsInferredFields() throws {
    let pane = try Workspace().open()
    try pane.waitFor("streamsql> ")
    pane.type("\\describe input")
    pane.press("Enter")
    let screen = try pane.waitFor("device.version")
    #expect(screen.contains("| device.os "))
    #expect(screen.contains("BIGINT 66%, DOUBLE 33%"))
  }
}

/// One tmux server (its own socket) running one command in a 120×30 pane.
final class TmuxPane {
  let socket = "streamsql-test-\(UUID().uuidString.prefix(8))"

  static var isAvailable: Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
      || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")
  }

  /// The `streamsql` binary built next to this test bundle (`.build/<config>/`).
  static func binary() throws -> String {
    var url = URL(
      fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    while url.path != "/" {
      url.deleteLastPathComponent()
      let candidate = url.appendingPathComponent("streamsql")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
        !isDirectory.boolValue,
        FileManager.default.isExecutableFile(atPath: candidate.path)
      {
        return candidate.path
      }
    }
    throw PaneError("no streamsql binary found above /proc/self/exe")
  }

  init(command: [String], directory: String) throws {
    guard TmuxPane.isAvailable else {
      throw PaneError("tmux is not installed: apt-get install tmux")
    }
    let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(
      separator: " ")
    let status = tmux([
      "new-session", "-d", "-s", "main", "-x", "120", "-y", "30", "-c", directory, quoted,
    ])
    guard status == 0 else { throw PaneError("tmux new-session failed (\(status))") }
    _ = tmux(["set-option", "-t", "main", "remain-on-exit", "on"])
  }

  deinit {
    _ = tmux(["kill-server"])
  }

  /// Types text literally (a trailing `;` escaped from tmux's command parser).
  func type(_ text: String) {
    _ = tmux([
      "send-keys", "-t", "main", "-l", text.hasSuffix(";") ? String(text.dropLast()) + "\\;" : text,
    ])
  }

  /// Presses keys by tmux name: `Enter`, `Tab`, `Up`, `C-c`, `C-d`.
  func press(_ keys: String...) {
    _ = tmux(["send-keys", "-t", "main"] + keys)
  }

  /// The pane's screen and scrollback, trailing blank lines removed.
  func screen() -> String {
    var lines = output(["capture-pane", "-p", "-t", "main", "-S", "-200"]).components(
      separatedBy: "\n")
    while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
      lines.removeLast()
    }
    return lines.joined(separator: "\n")
  }

  /// Waits until `text` is on screen (its trailing blanks ignored: capture-pane drops them).
  @discardableResult
  func waitFor(_ text: String, timeout: Double = 15) throws -> String {
    var needle = Substring(text)
    while needle.last == " " { needle.removeLast() }
    return try poll(timeout, "'\(text)' on screen") { $0.contains(needle) }
  }

  /// Waits until the last non-blank line is exactly `text` (trailing blanks ignored).
  func waitForLastLine(_ text: String, timeout: Double = 15) throws {
    let wanted = text.trimmingCharacters(in: .whitespaces)
    _ = try poll(timeout, "last line '\(text)'") {
      $0.components(separatedBy: "\n").last?.trimmingCharacters(in: .whitespaces) == wanted
    }
  }

  func waitUntilExited(timeout: Double = 15) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if output(["display-message", "-p", "-t", "main", "#{pane_dead}"]).hasPrefix("1") { return }
      usleep(50_000)
    }
    throw PaneError("the REPL did not exit\n\(screen())")
  }

  private func poll(_ timeout: Double, _ what: String, _ done: (String) -> Bool) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    var last = ""
    while Date() < deadline {
      last = screen()
      if done(last) { return last }
      usleep(50_000)
    }
    throw PaneError("timed out waiting for \(what); the screen:\n\(last)")
  }

  @discardableResult
  private func tmux(_ arguments: [String]) -> Int32 {
    run(arguments, capture: false).status
  }

  private func output(_ arguments: [String]) -> String {
    run(arguments, capture: true).output
  }

  /// Runs a tmux client with posix_spawn and waitpid (Foundation's `Process` was seen to hang
  /// here, never reaping the exited client). Output is captured only when asked: a server
  /// started by the command inherits its stdout, and a pipe it held would never reach EOF.
  private func run(_ arguments: [String], capture: Bool) -> (status: Int32, output: String) {
    let argv = ["tmux", "-L", socket, "-f", "/dev/null"] + arguments
    var fds: [Int32] = [-1, -1]
    if capture { guard pipe(&fds) == 0 else { return (-1, "") } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    if capture {
      posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
      posix_spawn_file_actions_addclose(&actions, fds[0])
      posix_spawn_file_actions_addclose(&actions, fds[1])
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    var environment = ProcessInfo.processInfo.environment
    environment["TMUX"] = nil
    environment["TERM"] = "xterm-256color"
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in cArgs { free(p) }
      for p in cEnv { free(p) }
    }
    // The test runs on a pool thread that blocks signals; the REPL must get SIGINT from Ctrl-C.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGINT)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, cArgs, cEnv)
    if capture { close(fds[1]) }
    guard spawned == 0 else {
      if capture { close(fds[0]) }
      return (-1, "")
    }
    var bytes: [UInt8] = []
    if capture {
      var chunk = [UInt8](repeating: 0, count: 65536)
      while true {
        let n = read(fds[0], &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes += chunk[0..<n]
      }
      close(fds[0])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    return (exitCode, String(decoding: bytes, as: UTF8.self))
  }
}

struct PaneError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
