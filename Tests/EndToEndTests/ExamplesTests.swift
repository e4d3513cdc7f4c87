import Foundation
import Testing

/// Every `examples/*.sql` runs against `examples/clickstream.ndjson`: exit 0 and non-empty,
/// valid NDJSON (one JSON object per line) on stdout.
private func exampleScripts() -> [String] {
  let dir = StreamsqlBinary.repositoryRoot.appendingPathComponent("examples")
  let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
  return names.filter { $0.hasSuffix(".sql") }.sorted()
}

@Suite struct ExamplesTests {
  @Test func examplesExist() {
    #expect(exampleScripts().count >= 5)
  }

  @Test(arguments: exampleScripts())
  func example(_ name: String) throws {
    let examples = StreamsqlBinary.repositoryRoot.appendingPathComponent("examples")
    let input = try Data(contentsOf: examples.appendingPathComponent("clickstream.ndjson"))
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try StreamsqlBinary.run(
      ["-f", examples.appendingPathComponent(name).path], stdin: input, in: dir, timeout: 60)
    #expect(!result.timedOut)
    #expect(result.status == 0, "\(name): exit \(result.status)\n\(result.stderr)")
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(!lines.isEmpty, "\(name) printed nothing")
    for (i, line) in lines.enumerated() {
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
      #expect(
        object is [String: Any], "\(name): output line \(i + 1) is not a JSON object: \(line)")
    }
    // The data holds a few malformed lines (gen_events.py --bad-fraction 0.01): counted, not fatal.
    #expect(result.stderr.contains("bad input line"), "\(name): \(result.stderr)")
  }
}
