import Foundation
import Planner
import Testing

@testable import Executor

/// STYLE's chunking invariance (swift-nio's `ByteToMessageDecoderVerifier`): every stateful query
/// shape is fed the same stream whole, line by line, byte by byte and in random chunks, and must
/// print the same bytes and count the same late events and bad lines.
@Suite struct ChunkingInvarianceTests {
  struct Shape: CustomTestStringConvertible, Sendable {
    var name: String
    var sql: String
    /// EMIT CHANGES prints per input batch by design; compare the upsert result instead.
    var changes = false
    var testDescription: String { name }
  }

  static let shapes: [Shape] = [
    Shape(
      name: "tumbling",
      sql: """
        SELECT url, COUNT(*) AS n, SUM(bytes) AS b, MIN(ts) AS lo, MAX(status) AS hi, AVG(bytes) AS mean
        FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY url
        """),
    Shape(
      name: "hopping",
      sql: """
        SELECT status, COUNT(*) AS n, COUNT(DISTINCT user) AS users, LAST(url) AS last_url
        FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY status
        """),
    Shape(
      name: "moving",
      sql: """
        SELECT card, COUNT(*) AS n, SUM(bytes) AS b
        FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 5 SECONDS) GROUP BY card HAVING COUNT(*) > 1
        """),
    Shape(
      name: "session",
      sql: """
        SELECT user, COUNT(*) AS n, FIRST(url) AS entry, MAX(ts) AS last_seen
        FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 4 SECONDS) GROUP BY user
        """),
    Shape(
      name: "count-tumbling",
      sql:
        "SELECT url, COUNT(*) AS n, SUM(bytes) AS b FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 7 ROWS) GROUP BY url"
    ),
    Shape(
      name: "count-hopping",
      sql: """
        SELECT status, COUNT(*) AS n, MIN(bytes) AS lo
        FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 10 ROWS, ADVANCE BY 3 ROWS) GROUP BY status
        """),
    Shape(
      name: "unwindowed-group-by",
      sql: """
        SELECT user, COUNT(*) AS n, AVG(bytes) AS mean, STDDEV_POP(bytes) AS sd, COLLECT_LIST(status) AS statuses
        FROM stdin TIMESTAMP BY ts GROUP BY user HAVING COUNT(*) > 2
        """),
    Shape(
      name: "emit-changes",
      sql: """
        SELECT url, COUNT(*) AS n, SUM(bytes) AS b
        FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY url EMIT CHANGES
        """,
      changes: true),
    Shape(name: "distinct", sql: "SELECT DISTINCT url, status FROM stdin TIMESTAMP BY ts"),
    Shape(
      name: "distinct-windowed",
      sql: "SELECT DISTINCT url FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 20 SECONDS)"),
    Shape(
      name: "limit",
      sql: "SELECT user, ts, url FROM stdin TIMESTAMP BY ts WHERE status = 500 LIMIT 25"),
    Shape(
      name: "top-n-per-window",
      sql: """
        SELECT user, COUNT(*) AS n FROM stdin TIMESTAMP BY ts
        WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY user ORDER BY n DESC, user LIMIT 3
        """),
    Shape(
      name: "tumbling-grace",
      sql: """
        SELECT url, COUNT(*) AS n FROM stdin TIMESTAMP BY ts
        WINDOW TUMBLING (SIZE 5 SECONDS, GRACE PERIOD 1 SECOND) GROUP BY url
        """),
    Shape(
      name: "session-grace",
      sql: """
        SELECT user, COUNT(*) AS n FROM stdin TIMESTAMP BY ts
        WINDOW SESSION (GAP 2 SECONDS) GRACE PERIOD 2 SECONDS GROUP BY user
        """),
  ]

  /// 2026-11-26T08:00:00Z.
  static let t0: Int64 = 1_795_680_000_000

  /// `count` lines: events 200 ms apart on average, jittered by up to ±3 s and rounded to 250 ms
  /// (so equal times occur), with bad lines, missing fields, `\r\n` endings and blank lines.
  static func generate(count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    let urls = ["/", "/cart", "/api/items", "/login"]
    var out = ""
    for i in 0..<count {
      let jitter = Int64.random(in: -3000...3000, using: &rng)
      let ts = (t0 + Int64(i) * 200 + jitter) / 250 * 250
      let roll = Int.random(in: 0..<100, using: &rng)
      switch roll {
      case 0: out += "not json at all\n"
      case 1: out += "[1, 2, 3]\n"
      case 2: out += "{\"ts\": \(ts), \"user\": \"u1\"\n"  // unterminated object
      case 3: out += "{\"ts\": \"yesterday\", \"user\": \"u2\", \"url\": \"/\"}\n"  // unparsable time
      case 4: out += "{\"user\": \"u3\", \"url\": \"/\", \"status\": 200}\n"  // missing time
      case 5: out += "\n"
      default:
        var fields = ["\"ts\": \(ts)"]
        fields.append("\"user\": \"u\(Int.random(in: 0..<40, using: &rng))\"")
        if roll != 6 {
          fields.append("\"url\": \"\(urls[Int.random(in: 0..<urls.count, using: &rng)])\"")
        }
        if roll != 7 {
          fields.append(
            "\"status\": \([200, 200, 200, 404, 500][Int.random(in: 0..<5, using: &rng)])")
        }
        switch roll {
        case 8: fields.append("\"bytes\": \"lots\"")  // not a number: a type warning
        case 9: break  // no bytes
        default: fields.append("\"bytes\": \(Int.random(in: 0..<5000, using: &rng))")
        }
        fields.append("\"card\": \"c\(Int.random(in: 0..<6, using: &rng))\"")
        fields.shuffle(using: &rng)
        out += "{" + fields.joined(separator: ", ") + "}" + (roll == 10 ? "\r\n" : "\n")
      }
    }
    return Array(out.utf8)
  }

  static let input = generate(count: 3000, seed: 42)
  /// A smaller input for byte-at-a-time feeding, which costs one call per byte.
  static let smallInput = generate(count: 300, seed: 7)

  static func lineChunks(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
      Array($0) + [UInt8(ascii: "\n")]
    }
    .dropLast().map { $0 }
  }

  static func randomChunks(_ bytes: [UInt8], seed: UInt64, maxSize: Int) -> [[UInt8]] {
    var rng = SplitMix64(state: seed)
    var chunks: [[UInt8]] = []
    var i = 0
    while i < bytes.count {
      let n = min(bytes.count - i, Int.random(in: 1...maxSize, using: &rng))
      chunks.append(Array(bytes[i..<i + n]))
      i += n
    }
    return chunks
  }

  /// What must not depend on chunking.
  struct Observed: Equatable, CustomStringConvertible {
    var output: String
    var lines, bytes, badLines, badRows, lateEvents, typeWarnings, windowsFired: Int

    init(_ outcome: QueryHarness.Outcome, changes: Bool) {
      if changes {
        output = Observed.upsertResult(outcome.output)
      } else {
        output = outcome.output
      }
      let s = outcome.stats
      (lines, bytes, badLines, badRows, lateEvents, typeWarnings, windowsFired) =
        (s.lines, s.bytes, s.badLines, s.badRows, s.lateEvents, s.typeWarnings, s.windowsFired)
    }

    /// EMIT CHANGES as a consumer keeps it: the last row printed per (window, group) key, sorted.
    static func upsertResult(_ output: String) -> String {
      var last: [String: String] = [:]
      for line in output.split(separator: "\n") {
        let object =
          (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        let key = ["window_start", "window_end", "url"].map { "\(object[$0] ?? "null")" }.joined(
          separator: "|")
        last[key] = String(line)
      }
      return last.keys.sorted().map { last[$0]! }.joined(separator: "\n")
    }

    var description: String {
      "lines \(lines) bytes \(bytes) bad \(badLines)/\(badRows) late \(lateEvents) warnings \(typeWarnings) fired \(windowsFired)\n"
        + output.split(separator: "\n").prefix(5).joined(separator: "\n")
    }
  }

  static func observe(_ shape: Shape, _ chunks: [[UInt8]]) throws -> Observed {
    Observed(try QueryHarness.run(shape.sql, chunks: chunks), changes: shape.changes)
  }

  @Test(arguments: shapes)
  func sameResultHoweverTheInputIsSplit(_ shape: Shape) throws {
    let whole = try Self.observe(shape, [Self.input])
    #expect(!whole.output.isEmpty, "the query printed nothing; the test would prove little")
    #expect(whole.badLines + whole.badRows > 0)

    let byLine = try Self.observe(shape, Self.lineChunks(Self.input))
    #expect(byLine == whole, "line by line")
    for (seed, maxSize) in [(1, 7), (2, 64), (3, 700), (4, 8192)] as [(UInt64, Int)] {
      let random = try Self.observe(
        shape, Self.randomChunks(Self.input, seed: seed, maxSize: maxSize))
      #expect(random == whole, "random chunks, seed \(seed), up to \(maxSize) bytes")
    }

    let smallWhole = try Self.observe(shape, [Self.smallInput])
    let bytes = try Self.observe(shape, Self.smallInput.map { [$0] })
    #expect(bytes == smallWhole, "byte by byte")
  }

  /// The generated input really has the disorder the invariance is meant to survive.
  @Test func generatedInputHasLateEventsAndBadLines() throws {
    let outcome = try QueryHarness.run(Self.shapes[0].sql, chunks: [Self.input])
    #expect(outcome.stats.lateEvents > 0)
    #expect(outcome.stats.badLines > 0)
    #expect(outcome.stats.badRows > 0)
    #expect(outcome.stats.typeWarnings > 0)
  }

  /// EMIT CHANGES, kept as an upsert table, ends where EMIT FINAL does.
  @Test func emitChangesEndsAtTheFinalResult() throws {
    let final = try QueryHarness.run(
      "SELECT url, COUNT(*) AS n, SUM(bytes) AS b FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY url",
      chunks: [Self.input])
    let changes = try QueryHarness.run(
      Self.shapes.first { $0.changes }!.sql, chunks: Self.lineChunks(Self.input))
    #expect(Observed.upsertResult(changes.output) == Observed.upsertResult(final.output))
    #expect(changes.output.split(separator: "\n").count > final.output.split(separator: "\n").count)
  }
}
