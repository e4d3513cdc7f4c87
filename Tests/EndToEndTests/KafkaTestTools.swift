import Foundation
import Testing

/// Small helpers of the Kafka tests: processes, ports, polling with a deadline.
enum KafkaTestTools {
  struct Failure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }

  /// `name` on PATH or in Debian's usual directories.
  static func executable(_ name: String) throws -> URL {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/bin"] {
      let candidate = URL(fileURLWithPath: dir).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw Failure(message: "\(name) not found")
  }

  static func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  @discardableResult
  static func emptyFile(_ url: URL) throws -> URL {
    try Data().write(to: url)
    return url
  }

  /// Calls `condition` until it holds or `timeout` seconds pass, every 50 ms.
  static func poll(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if try condition() { return true }
      usleep(50_000)
    }
    return try condition()
  }

  /// Waits until two members of one group split the topic's three partitions between them
  /// (each holds some, together all); false after `timeout` seconds.
  static func splitThreePartitions(_ a: Child, _ b: Child, timeout: TimeInterval = 60) -> Bool {
    poll(timeout: timeout) {
      let x = a.assignedPartitions
      let y = b.assignedPartitions
      return !x.isEmpty && !y.isEmpty && x.isDisjoint(with: y) && x.union(y) == [0, 1, 2]
    }
  }

  /// Runs a tool to completion (killed after `timeout` seconds).
  static func run(_ tool: URL, _ arguments: [String], timeout: TimeInterval = 30) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let child = try Child(tool, arguments, in: dir)
    if !child.wait(timeout: timeout) {
      child.kill()
      Issue.record("\(tool.lastPathComponent) \(arguments) timed out")
    }
    return (child.status, child.stdout, child.stderr)
  }

  /// A child process with stdout and stderr in files of `directory` (named after `tag`).
  final class Child {
    let process = Process()
    private let outURL: URL
    private let errURL: URL
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    init(
      _ tool: URL, _ arguments: [String], in directory: URL, tag: String = "child",
      environment extra: [String: String] = [:]
    ) throws {
      outURL = directory.appendingPathComponent("\(tag).stdout")
      errURL = directory.appendingPathComponent("\(tag).stderr")
      process.executableURL = tool
      process.arguments = arguments
      process.currentDirectoryURL = directory
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = try FileHandle(forWritingTo: emptyFile(outURL))
      process.standardError = try FileHandle(forWritingTo: emptyFile(errURL))
      var environment = ProcessInfo.processInfo.environment
      environment["SWIFT_BACKTRACE"] = "enable=no"
      environment.merge(extra) { $1 }
      process.environment = environment
      process.terminationHandler = { [done] _ in done.signal() }
      try process.run()
    }

    /// `streamsql ARGS` in `directory`.
    static func streamsql(
      _ arguments: [String], in directory: URL, tag: String, environment: [String: String] = [:]
    ) throws -> Child {
      try Child(StreamsqlBinary.url, arguments, in: directory, tag: tag, environment: environment)
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    var status: Int32 { process.terminationStatus }

    /// Whether it ended by SIGKILL (what a crash test's `STREAMSQL_CRASH_AT` sends).
    var killed: Bool {
      process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// Waits for the exit; false after `timeout` seconds.
    func wait(timeout: TimeInterval) -> Bool {
      if finished { return true }
      finished = done.wait(timeout: .now() + timeout) == .success
      return finished
    }

    func signal(_ signal: Int32) {
      if !finished { Foundation.kill(process.processIdentifier, signal) }
    }

    func kill() {
      signal(SIGKILL)
      _ = wait(timeout: 10)
    }

    /// The partitions the last `partitions assigned:` line names, empty after a revoke.
    var assignedPartitions: Set<Int> {
      var current = Set<Int>()
      for line in stderr.split(separator: "\n") {
        if let r = line.range(of: "partitions assigned: ") {
          current = Set(
            line[r.upperBound...].split(separator: ",").compactMap {
              Int($0.trimmingCharacters(in: .whitespaces))
            })
        } else if line.contains("partitions revoked") {
          current = []
        }
      }
      return current
    }
  }
}
