import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A line of 1 GB with no newline, streamed through a pipe into the built binary (issue 7, part
/// 2): `--max-line-bytes` holds, so the process's peak RSS stays far below the line's size; the
/// line is counted bad and the lines after it survive.
///
/// The test holds only a 1 MiB buffer, written 1024 times. It reads the peak RSS (`VmHWM` in
/// `/proc/<pid>/status`) once the lines after the huge one have come out (output is flushed when
/// input would block), while stdin is still open, so the process is certainly alive; then it
/// closes stdin and checks `--stats`.
@Suite struct HugeLineTests {
  static let megabyte = 1 << 20

  @Test func aGigabyteLineIsDroppedAndMemoryStaysBounded() throws {
    signal(SIGPIPE, SIG_IGN)
    let directory = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let errURL = directory.appendingPathComponent("stderr")
    try Data().write(to: errURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    let input = Pipe()
    let output = Pipe()
    let process = Process()
    process.executableURL = StreamsqlBinary.url
    process.arguments = [
      "--max-line-bytes", String(Self.megabyte), "--stats", "SELECT a FROM stdin",
    ]
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errHandle
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    try process.run()
    try? errHandle.close()
    // A stuck child must fail the test, not hang it: kill it after two minutes.
    let exited = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      if exited.wait(timeout: .now() + 120) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
      }
    }
    defer { exited.signal() }

    let writer = input.fileHandleForWriting
    try writer.write(contentsOf: Data(#"{"a":1}"#.utf8 + [0x0A] + #"{"a":""#.utf8))
    let filler = Data(repeating: UInt8(ascii: "x"), count: Self.megabyte)
    for _ in 0..<1024 { try writer.write(contentsOf: filler) }
    try writer.write(
      contentsOf: Data(#""}"#.utf8 + [0x0A] + #"{"a":2}"#.utf8 + [0x0A] + #"{"a":3}"#.utf8 + [0x0A])
    )

    var seen = ""
    let reader = output.fileHandleForReading
    while !seen.contains(#"{"a":3}"#) {
      let data = reader.availableData
      if data.isEmpty { break }
      seen += String(decoding: data, as: UTF8.self)
    }
    let peak = Self.peakResidentBytes(process.processIdentifier)
    try writer.close()
    seen += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()

    #expect(process.terminationStatus == 0)
    #expect(
      seen.split(separator: "\n").map(String.init) == [#"{"a":1}"#, #"{"a":2}"#, #"{"a":3}"#])
    let peakBytes = try #require(peak)
    #expect(peakBytes < 256 * Self.megabyte, "peak RSS \(peakBytes >> 20) MiB for a 1 GiB line")
    let stderr = try String(contentsOf: errURL, encoding: .utf8)
    #expect(stderr.contains("bad lines:      1"))
    // `{"a":"` + 1 GiB + `"}`: the whole line went through and was measured, not held.
    #expect(
      stderr.contains(
        "line of \(6 + 1024 * Self.megabyte + 2) bytes is longer than --max-line-bytes"))
  }

  /// `VmHWM` of a live process, in bytes.
  static func peakResidentBytes(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
      return nil
    }
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else {
      return nil
    }
    return Int(line.filter(\.isNumber)).map { $0 * 1024 }
  }
}
