import Foundation
import Testing

// End-to-end golden tests: every `goldens/*.test` file is one test, each of its cases runs the
// built binary. The file format is documented on `GoldenFile` and in `goldens/README.md`.
// `STREAMSQL_RECORD=1 swift test --filter EndToEndTests` rewrites the expected blocks with the
// actual output (read the diff before committing it).

private let goldensDirectory = StreamsqlBinary.testsDirectory.appendingPathComponent("goldens")

private func goldenFileNames() -> [String] {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: goldensDirectory.path)) ?? []
  return names.filter { $0.hasSuffix(".test") }.sorted()
}

private let recording = ProcessInfo.processInfo.environment["STREAMSQL_RECORD"] == "1"

@Suite struct GoldenTests {
  @Test func goldenFilesExist() {
    #expect(goldenFileNames().count >= 10)
  }

  @Test(arguments: goldenFileNames())
  func golden(_ name: String) throws {
    let fileURL = goldensDirectory.appendingPathComponent(name)
    let text = try String(contentsOf: fileURL, encoding: .utf8)
    let golden = try GoldenFile(
      text: text, inputsDirectory: goldensDirectory.appendingPathComponent("inputs"))
    #expect(!golden.cases.isEmpty, "\(name) has no cases")
    var recorded: [Int: [[String]]] = [:]
    for (index, c) in golden.cases.enumerated() {
      let actual = try run(c)
      let label = "\(name):\(c.line)"
      #expect(!actual.result.timedOut, "\(label): timed out")
      if recording {
        recorded[index] = actual.blocks
        continue
      }
      if c.expectError {
        #expect(
          actual.result.status == c.exitStatus, "\(label): exit status\n\(actual.result.stderr)")
      } else {
        #expect(
          actual.result.status == 0,
          "\(label): exit status \(actual.result.status)\nstderr: \(actual.result.stderr)")
      }
      for pattern in c.stderrRegex {
        let re = try NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        let s = actual.result.stderr
        let found = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        #expect(found, "\(label): stderr does not match /\(pattern)/:\n\(s)")
      }
      for needle in c.stderrContains {
        #expect(
          actual.result.stderr.contains(needle),
          "\(label): stderr does not contain '\(needle)':\n\(actual.result.stderr)")
      }
      for needle in c.stdoutContains {
        #expect(
          actual.result.stdout.contains(needle),
          "\(label): stdout does not contain '\(needle)':\n\(actual.result.stdout)")
      }
      for (bi, block) in c.blocks.enumerated() {
        var expected = block.lines
        var got = actual.blocks[bi]
        if c.rowsort {
          expected.sort()
          got.sort()
        }
        #expect(
          got == expected,
          """
          \(label): \(block.header ?? (c.expectError ? "stderr" : "stdout")) differs
          --- expected
          \(expected.joined(separator: "\n"))
          --- actual
          \(got.joined(separator: "\n"))
          """)
      }
    }
    if recording {
      let newText = golden.rewritten { ci, bi in recorded[ci]?[bi] }
      if newText != text { try newText.write(to: fileURL, atomically: true, encoding: .utf8) }
    }
  }

  /// Runs one case; returns the process result and the actual text for each expected block.
  private func run(_ c: GoldenFile.Case) throws -> (
    result: StreamsqlBinary.Result, blocks: [[String]]
  ) {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    for (path, data) in c.files {
      let url = dir.appendingPathComponent(path)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: url)
    }
    var arguments = c.args
    switch c.kind {
    case .query, .statement: arguments.append(c.sql)
    case .script:
      try Data((c.sql + "\n").utf8).write(to: dir.appendingPathComponent("script.sql"))
      arguments += ["-f", "script.sql"]
    case .run: break
    }
    let result = try StreamsqlBinary.run(arguments, stdin: c.stdin, in: dir)
    var blocks: [[String]] = []
    for block in c.blocks {
      let text: String
      if let header = block.header {
        let path = String(header.dropFirst("file ".count))
        text =
          (try? String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8))
          ?? "<missing file \(path)>"
      } else {
        text = c.expectError ? result.stderr : result.stdout
      }
      var lines = text.components(separatedBy: "\n")
      if lines.last == "" { lines.removeLast() }
      blocks.append(lines)
    }
    return (result, blocks)
  }
}
