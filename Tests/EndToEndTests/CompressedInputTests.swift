import Foundation
import Testing

/// SPEC 2: a gzip file (`.gz`) is read transparently, from `-i` and from `FROM 'path'`.
@Suite struct CompressedInputTests {
  static let lines = """
    {"ts":"2026-11-26T08:00:01Z","url":"/a"}
    {"ts":"2026-11-26T08:00:02Z","url":"/b"}
    not json
    {"ts":"2026-11-26T08:01:03Z","url":"/a"}

    """

  /// A directory holding `clicks.ndjson.gz`, compressed by the system's gzip.
  static func directoryWithGzip() throws -> URL {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let plain = dir.appendingPathComponent("clicks.ndjson")
    try Data(lines.utf8).write(to: plain)
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-n", plain.path]
    try gzip.run()
    gzip.waitUntilExit()
    #expect(gzip.terminationStatus == 0)
    return dir
  }

  @Test(arguments: [
    ["-i", "clicks.ndjson.gz", "SELECT url, COUNT(*) AS n FROM stdin GROUP BY url"],
    ["SELECT url, COUNT(*) AS n FROM 'clicks.ndjson.gz' GROUP BY url"],
  ])
  func gzipInputIsReadTransparently(_ arguments: [String]) throws {
    let dir = try Self.directoryWithGzip()
    let result = try StreamsqlBinary.run(arguments, in: dir)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "{\"url\":\"/a\",\"n\":2}\n{\"url\":\"/b\",\"n\":1}\n")
    #expect(result.stderr.contains("1 bad input line skipped (first: clicks.ndjson.gz:3:"))
  }

  @Test func corruptGzipIsARuntimeError() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    try Data("not gzip at all".utf8).write(to: dir.appendingPathComponent("broken.ndjson.gz"))
    let result = try StreamsqlBinary.run(
      ["-i", "broken.ndjson.gz", "SELECT * FROM stdin"], in: dir)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("broken.ndjson.gz"))
  }
}
