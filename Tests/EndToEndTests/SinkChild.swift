import Foundation

/// A running `streamsql` with pipes on stdin and stdout (and stderr when asked), for tests that
/// keep the input open, stop reading the output, or watch the process's memory. One thread may
/// write stdin while another reads stdout; nothing else is shared.
final class SinkChild: @unchecked Sendable {
  let process = Process()
  private let stdin = Pipe()
  private let stdout = Pipe()
  private let stderrURL: URL?
  private var pending = Data()

  init(_ arguments: [String], captureStderr: Bool = false) throws {
    process.executableURL = StreamsqlBinary.url
    process.arguments = arguments
    process.standardInput = stdin
    process.standardOutput = stdout
    if captureStderr {
      let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "streamsql-stderr-\(UUID().uuidString)")
      try Data().write(to: url)
      process.standardError = try FileHandle(forWritingTo: url)
      stderrURL = url
    } else {
      process.standardError = FileHandle.nullDevice
      stderrURL = nil
    }
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    try process.run()
  }

  var isRunning: Bool { process.isRunning }

  var stderrText: String {
    stderrURL.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
  }

  /// Writes to stdin; blocks while streamsql does not read (that is the backpressure).
  func write(_ text: String) throws {
    try stdin.fileHandleForWriting.write(contentsOf: Data(text.utf8))
  }

  func closeInput() throws {
    try stdin.fileHandleForWriting.close()
  }

  /// VmHWM, the peak resident set size so far, in kB.
  func peakRSSKilobytes() -> Int? {
    guard
      let status = try? String(
        contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
    else { return nil }
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else {
      return nil
    }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
  }

  /// Reads stdout to its end, calling `body` per line; false if `timeout` seconds pass first.
  func readLines(timeout: TimeInterval, _ body: (Substring) -> Void) -> Bool {
    let fd = stdout.fileHandleForReading.fileDescriptor
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var carry: [UInt8] = []
    while Date() < deadline {
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&pfd, 1, 1000) > 0 else { continue }
      let n = read(fd, &buffer, buffer.count)
      if n <= 0 { return carry.isEmpty }
      var start = 0
      for i in 0..<n where buffer[i] == UInt8(ascii: "\n") {
        if carry.isEmpty {
          body(Substring(decoding: buffer[start..<i], as: UTF8.self))
        } else {
          carry.append(contentsOf: buffer[start..<i])
          body(Substring(decoding: carry, as: UTF8.self))
          carry.removeAll(keepingCapacity: true)
        }
        start = i + 1
      }
      carry.append(contentsOf: buffer[start..<n])
    }
    return false
  }

  /// Closes stdin (if still open) and waits at most `timeout` seconds for the exit status,
  /// discarding what stdout still holds so the child never blocks on it.
  func finish(timeout: TimeInterval = 60) -> Int32? {
    try? stdin.fileHandleForWriting.close()
    let fd = stdout.fileHandleForReading.fileDescriptor
    let deadline = Date().addingTimeInterval(timeout)
    var scratch = [UInt8](repeating: 0, count: 1 << 16)
    while process.isRunning && Date() < deadline {
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      if poll(&pfd, 1, 50) > 0 { _ = read(fd, &scratch, scratch.count) }
    }
    if process.isRunning {
      process.terminate()
      return nil
    }
    process.waitUntilExit()
    return process.terminationStatus
  }

  deinit {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }
}
