import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A regular file (`-i FILE`, or stdin redirected from one) is read a megabyte at a time; the
/// same bytes through a pipe arrive in reads of whatever sizes the pipe gives. Both must give
/// byte-identical results: rows, bad-line reports with their line numbers, dead letters,
/// `--stats` counts.
@Suite struct FileInputEndToEndTests {
  /// A few megabytes of awkward NDJSON: a BOM, CRLF lines, blank lines, bad JSON, lines over
  /// `--max-line-bytes 300` (one across a 1 MiB read boundary), and a torn last line.
  static func awkwardInput() -> [UInt8] {
    var state: UInt64 = 42
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    var i = 0
    while bytes.count < 3 << 20 {
      i += 1
      let pad = String(repeating: "p", count: next(120))
      switch next(40) {
      case 0: bytes += Array("\n".utf8)
      case 1: bytes += Array("{\"a\": \(i), \"b\": oops}\n".utf8)
      case 2:
        bytes += Array("{\"a\": \(i), \"s\": \"\(String(repeating: "x", count: 400))\"}\n".utf8)
      case 3: bytes += Array("{\"a\": \(i), \"s\": \"\(pad)\"}\r\n".utf8)
      default: bytes += Array("{\"a\": \(i), \"b\": \(next(1000)), \"s\": \"\(pad)\"}\n".utf8)
      }
      // A long line that straddles the first 1 MiB boundary.
      if bytes.count > (1 << 20) - 200 && bytes.count < 1 << 20 {
        bytes += Array("{\"a\": -1, \"s\": \"\(String(repeating: "y", count: 500))\"}\n".utf8)
      }
    }
    bytes += Array("{\"a\": \(i + 1), \"b\": 7}".utf8)
    return bytes
  }

  struct Outcome: Equatable {
    var status: Int32
    var stdout: String
    var stderr: String
    var deadLetters: String
  }

  /// Runs streamsql in `dir` with input.ndjson as its stdin: redirected from the file or piped
  /// through `cat`.
  static func run(_ arguments: [String], piped: Bool, in dir: URL) throws -> Outcome {
    let dead = dir.appendingPathComponent(piped ? "dead-piped.ndjson" : "dead-file.ndjson")
    let all = ["--on-error", "dead-letter=\(dead.path)", "--max-line-bytes", "300"] + arguments
    let result: StreamsqlBinary.Result
    if piped {
      result = try StreamsqlBinary.run(
        ["-c", "cat input.ndjson | \"$0\" \"$@\"", StreamsqlBinary.url.path] + all, in: dir,
        executable: URL(fileURLWithPath: "/bin/sh"))
    } else {
      let bytes = try Data(contentsOf: dir.appendingPathComponent("input.ndjson"))
      result = try StreamsqlBinary.run(all, stdin: bytes, in: dir)
    }
    let letters = (try? String(contentsOf: dead, encoding: .utf8)) ?? "<none>"
    // `--stats` prints timings and memory, which differ from run to run.
    let stderr = result.stderr.split(separator: "\n").filter {
      !$0.contains("elapsed") && !$0.contains("peak RSS") && !$0.contains("blocked")
        && !$0.contains("latency")
    }.joined(separator: "\n")
    return Outcome(
      status: result.status, stdout: result.stdout, stderr: stderr, deadLetters: letters)
  }

  @Test(arguments: [
    "SELECT a, b, s FROM stdin WHERE b >= 500",
    "SELECT COUNT(*) AS n, SUM(b) AS total, MAX(a) AS last FROM stdin",
    "SELECT * FROM stdin WHERE a % 97 = 0",
  ])
  func fileGivesWhatAPipeGives(_ query: String) throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(Self.awkwardInput()).write(to: dir.appendingPathComponent("input.ndjson"))
    let file = try Self.run(["--stats", query], piped: false, in: dir)
    let piped = try Self.run(["--stats", query], piped: true, in: dir)
    #expect(file.status == 0, "\(file.stderr)")
    #expect(!file.stdout.isEmpty)
    #expect(file.deadLetters.contains("oops"))
    #expect(file.stderr.contains("bad input line"))
    // Compared as booleans: the outputs are megabytes long.
    let sameOut = file.stdout == piped.stdout
    let sameLetters = file.deadLetters == piped.deadLetters
    #expect(sameOut, "stdout differs")
    #expect(sameLetters, "dead letters differ")
    #expect(file.stderr == piped.stderr)
    #expect(file.status == piped.status)
  }

  /// A file's pieces reuse a few buffers: the peak RSS stays far below the file's size.
  @Test func fileMemoryStaysBounded() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let line = Array("{\"a\": 1, \"s\": \"\(String(repeating: "z", count: 1000))\"}\n".utf8)
    let count = (64 << 20) / line.count
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count * line.count)
    for _ in 0..<count { bytes += line }
    try Data(bytes).write(to: dir.appendingPathComponent("input.ndjson"))
    let result = try StreamsqlBinary.run(
      ["-i", "input.ndjson", "--stats", "SELECT COUNT(*) AS n FROM stdin"], in: dir, timeout: 120)
    #expect(result.status == 0)
    #expect(result.stdout == "{\"n\":\(count)}\n")
    let peak = try #require(
      result.stderr.split(separator: "\n").first { $0.contains("peak RSS") })
    let words = peak.split(separator: " ")
    let at = try #require(words.firstIndex(of: "RSS"))
    let mebibytes = try #require(Int(words[at + 1]))
    #expect(mebibytes < 40, "\(peak)")
  }
}
