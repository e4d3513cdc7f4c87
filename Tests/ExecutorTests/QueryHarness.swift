import Foundation
import Planner
import SQLParser
import Testing

@testable import Executor

/// Plans SQL text and runs it through `ScriptRunner.run(feeding:)`, with the first source's
/// input given as chunks and the output written to a temporary file.
enum QueryHarness {
  struct Outcome: Sendable {
    var output: String
    var stats: RunStats
    var warnings: [String]
  }

  static func run(_ sql: String, chunks: [[UInt8]], options: RunOptions = RunOptions()) throws
    -> Outcome
  {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(sql))
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("streamsql-test-\(UUID().uuidString).ndjson").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var options = options
    options.outputPath = path
    let runner = try ScriptRunner(plan: planner.plan, options: options)
    let summary = try runner.run(feeding: chunks)
    let output = try String(contentsOfFile: path, encoding: .utf8)
    return Outcome(output: output, stats: summary.stats, warnings: summary.warnings)
  }

  static func run(_ sql: String, lines: [String], byLine: Bool = false) throws -> Outcome {
    let chunks =
      byLine
      ? lines.map { Array(($0 + "\n").utf8) } : [Array(lines.map { $0 + "\n" }.joined().utf8)]
    return try run(sql, chunks: chunks)
  }

  /// The output's lines.
  static func rows(_ sql: String, _ lines: [String], byLine: Bool = false) throws -> [String] {
    try run(sql, lines: lines, byLine: byLine).output.split(separator: "\n").map(String.init)
  }
}
