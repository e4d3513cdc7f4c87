import Planner
import SQLParser
import Testing

@testable import Executor

/// Strings deferred by a prefilter (`Prefilter`, `FieldExtractor+Deferred.swift`) against every
/// string built, piece by piece.
///
/// With a prefilter the compact walk leaves the strings of the rows' other fields as spans and
/// builds them only for the rows the filter keeps. Everything a scan reports must be what it
/// reports with every string built: lines, rows, values prepared for the query, bad lines
/// with their numbers, messages and raw text, and the kinds `TypeDrift` counts per field.
@Suite struct PrefilterTests {
  static let limit = 200

  /// `query` over `bytes` as one piece, with strings deferred where the query allows or not.
  static func scan(_ query: String, _ bytes: [UInt8], defers: Bool) throws -> ScanJob {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(query))
    let plan = planner.plan
    let spec = ScanSpec(plan: plan.sources[0], maxLineBytes: limit, keepsRaw: true)
    spec.defersStrings = defers
    spec.add(plan.queries[0])
    let job = ScanJob(spec: spec, input: 0, kind: .lines(InputBytes.copying(bytes)))
    job.start(on: nil)
    job.wait()
    return job
  }

  /// Whether `query` gets a prefilter at all.
  static func defers(_ query: String) throws -> Bool {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript(query))
    let plan = planner.plan
    let spec = ScanSpec(plan: plan.sources[0], maxLineBytes: limit, keepsRaw: true)
    spec.add(plan.queries[0])
    return spec.prefilter != nil
  }

  /// Expects the scans of `piece` with and without deferred strings to agree in everything.
  static func expectAgreement(
    _ query: String, _ piece: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let deferred = try scan(query, piece, defers: true)
    let built = try scan(query, piece, defers: false)
    let text = String(decoding: piece, as: UTF8.self).debugDescription
    let at = sourceLocation
    #expect(deferred.lineCount == built.lineCount, "\(text)", sourceLocation: at)
    #expect(deferred.rowLines == built.rowLines, "\(text)", sourceLocation: at)
    #expect(
      deferred.badLines.map(\.line) == built.badLines.map(\.line), "\(text)", sourceLocation: at)
    #expect(
      deferred.badLines.map(\.message) == built.badLines.map(\.message), "\(text)",
      sourceLocation: at)
    #expect(
      deferred.badLines.map(\.raw) == built.badLines.map(\.raw), "\(text)", sourceLocation: at)
    for i in 0..<built.rowCount {
      #expect(
        deferred.rawLine(i).map(Array.init) == built.rawLine(i).map(Array.init), "\(text)",
        sourceLocation: at)
    }
    #expect(deferred.prepared.count == built.prepared.count, sourceLocation: at)
    for (d, b) in zip(deferred.prepared, built.prepared) {
      #expect(d.keptRows == b.keptRows, "\(text)", sourceLocation: at)
      #expect(d.offsets == b.offsets, "\(text)", sourceLocation: at)
      #expect(d.rows == b.rows, "\(text)", sourceLocation: at)
      // Times are the arrival time (no event time): the clock's, not the scan's.
      #expect(d.times.count == b.times.count, "\(text)", sourceLocation: at)
      #expect(d.errors.map(\.message) == b.errors.map(\.message), "\(text)", sourceLocation: at)
    }
    #expect(deferred.drift?.counts == built.drift?.counts, "\(text)", sourceLocation: at)
    #expect(deferred.drift?.drifting == built.drift?.drifting, "\(text)", sourceLocation: at)
  }

  /// Queries with a prefilter: strings of other fields deferred, nested ones, the whole line.
  static let queries = [
    "SELECT a, b, c FROM stdin WHERE c >= 500",
    "SELECT * FROM stdin WHERE c >= 500",
    "SELECT b, d.e, a FROM stdin WHERE c > 5",
    "SELECT a, c FROM stdin WHERE b = 'x'",
    "SELECT a, b FROM stdin WHERE 500 <= c",
    "SELECT b, COUNT(*) AS n FROM stdin WHERE c <> 200 GROUP BY b",
  ]

  @Test(arguments: queries)
  func theQueryHasAPrefilter(query: String) throws {
    #expect(try Self.defers(query))
  }

  /// Queries that keep every string built: no filter, a compound filter, event time.
  @Test func otherQueriesHaveNone() throws {
    #expect(try !Self.defers("SELECT a, b FROM stdin"))
    #expect(try !Self.defers("SELECT a, b FROM stdin WHERE c >= 500 AND b = 'x'"))
    #expect(try !Self.defers("SELECT a, b FROM stdin WHERE c + 1 >= 500"))
    #expect(try !Self.defers("SELECT c FROM stdin WHERE c >= 500"))
    #expect(
      try !Self.defers(
        "SELECT b, COUNT(*) AS n FROM stdin TIMESTAMP BY t WINDOW TUMBLING (SIZE 1 MINUTE) "
          + "WHERE c >= 500 GROUP BY b"))
  }

  /// Values of every kind for the fields, as JSON text; `b` and `a` are mostly strings, short
  /// and long, `c` mostly numbers.
  static let values = [
    "\"x\"", "\"short\"", "\"0123456789abcde\"", "\"0123456789abcdef\"",
    "\"a much longer string than fifteen bytes\"", "\"\"", "\"caf\u{e9}\"", "\"a\\\"b\"",
    "\"\\u0041\"", "1", "-7", "500", "501", "499", "2.5", "1e3", "null", "true", "false",
    "{\"e\":\"in\"}", "{\"e\":12}", "[1,\"s\"]", "{}", "[]", "\"500\"", "12345678901234567890",
  ]

  /// Lines built at random: compact ones mostly, some with spaces, duplicate keys, bad JSON,
  /// CRLF, blank lines, over the limit.
  static func randomPiece(_ next: (Int) -> Int) -> String {
    var piece = ""
    for _ in 0..<(1 + next(30)) {
      var members: [String] = []
      for _ in 0..<next(7) {
        let key = ["a", "b", "c", "d", "z", "c", "a"][next(7)]
        var value = values[next(values.count)]
        if key == "c" && next(3) > 0 { value = ["500", "200", "750", "404", "5"][next(5)] }
        if key == "d" && next(2) == 0 {
          value = "{\"e\":\(values[next(values.count)]),\"f\":1}"
        }
        members.append("\"\(key)\":\(value)")
      }
      var line = "{" + members.joined(separator: ",") + "}"
      switch next(20) {
      case 0: line = "{ " + members.joined(separator: ", ") + " }"
      case 1: line.removeLast()
      case 2: line += "x"
      case 3: line = "not json"
      case 4: line = ""
      case 5: line += "\r"
      case 6: line = "{\"a\":\"" + String(repeating: "y", count: limit) + "\",\"c\":500}"
      case 7: line = "  "
      default: break
      }
      piece += line + "\n"
    }
    if next(3) == 0 { piece.removeLast() }
    return piece
  }

  @Test(arguments: queries)
  func randomPiecesAgree(query: String) throws {
    var rng = SplitMix64(state: 0x2545_F491_4F6C_DD1D)
    func next(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &rng) }
    for _ in 0..<400 {
      try Self.expectAgreement(query, Array(Self.randomPiece(next).utf8))
    }
  }

  /// Lines whose deferred strings must come back exactly: duplicates, nesting, the last line.
  static let tricky = [
    "{\"a\":\"first\",\"c\":500,\"a\":\"second one, long enough\"}\n",
    "{\"a\":\"first one, long enough\",\"c\":500,\"a\":7}\n{\"a\":\"x\",\"a\":null,\"c\":501}\n",
    "{\"d\":{\"e\":\"nested string, long enough\"},\"c\":500,\"b\":\"bb\"}\n",
    "{\"d\":{\"e\":\"n\"},\"d\":{\"f\":1},\"c\":600}\n",
    "{\"b\":\"x\",\"a\":\"kept\",\"c\":1}\n{\"b\":\"y\",\"a\":\"dropped\",\"c\":1}\n",
    "{\"c\":500,\"a\":\"no newline at the end, long\"}",
    "{\"c\":500,\"a\":\"no newline, ends badly\"",
    "{\"c\":\"500\",\"a\":\"string status\"}\n{\"c\":500.0,\"a\":\"double status\"}\n",
    "{\"c\":500,\"a\":\"caf\u{e9} is not compact\"}\n{\"c\":500,\"a\":\"esc\\\"aped\"}\n",
    "{\"a\":\"x\"}\n{}\n{\"c\":null,\"a\":\"y\"}\n",
  ]

  @Test(arguments: tricky)
  func trickyLinesAgree(piece: String) throws {
    for query in Self.queries {
      try Self.expectAgreement(query, Array(piece.utf8))
      try Self.expectAgreement(query, Array((piece + "\n" + piece).utf8))
    }
  }
}
