import Executor
import Planner
import SQLParser

/// The three queries of `../shared/bench/peers.py`, as streamsql runs them.
public enum PeerQuery {
  public static let q1 = "SELECT user_id, url, status FROM stdin WHERE status >= 500"
  public static let q2 =
    "SELECT country, COUNT(*) AS n, SUM(amount) AS revenue, AVG(latency_ms) AS avg_latency "
    + "FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 3 SECONDS) "
    + "GROUP BY country"
  public static let q3 =
    "SELECT COUNT(DISTINCT user_id) AS active_users FROM stdin TIMESTAMP BY ts "
    + "WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS, GRACE PERIOD 3 SECONDS)"
}

/// One query over the generated clickstream, planned, with its input cut into pieces.
///
/// Built in a benchmark's setup, so planning and generating are not measured.
public struct Workload {
  public let sql: String
  public let plan: ScriptPlan
  /// The clickstream, cut into pieces of whole lines of about 1 MiB.
  public let pieces: [[UInt8]]
  public let byteCount: Int
  public let lineCount: Int

  public init(sql: String, events: Int) {
    self.sql = sql
    do {
      var planner = ScriptPlanner()
      _ = try planner.add(script: try Parser.parseScript(sql))
      plan = planner.plan
    } catch {
      fatalError("cannot plan \(sql): \(error)")
    }
    pieces = Clickstream.pieces(Clickstream.ndjson(events: events))
    byteCount = pieces.reduce(0) { $0 + $1.count }
    lineCount = events
  }

  public var query: QueryPlan { plan.queries[0] }

  /// The fields the scan extracts (projection pushdown), in slot order.
  public var fields: [FieldPath] { plan.sources[0].fields }

  /// Each piece's lines scanned: `fields.count` values per row, and the row count.
  public func scanned() -> [(values: [Value], rows: Int)] {
    let extractor = FieldExtractor(paths: fields)
    return pieces.map { piece in
      var values: [Value] = []
      let rows = Scan.extract(piece, with: extractor, into: &values)
      return (values, rows)
    }
  }

  /// Each piece's rows prepared for the query: event time, filter, keys and arguments.
  func prepared() -> [QueryPreparer.Prepared] {
    let preparer = QueryPreparer(plan: query)
    let width = fields.count
    return scanned().map {
      preparer.prepare($0.values, width: width, count: $0.rows, arrivalMillis: 0)
    }
  }
}

/// The scanning loop of the executor's `ScanJob`, without its error bookkeeping.
public enum Scan {
  /// Frames the lines of `bytes` and extracts each into `values`, `extractor.paths.count`
  /// values per good line; returns the number of good lines.
  @inline(__always)
  public static func extract(
    _ bytes: [UInt8], with extractor: FieldExtractor, into values: inout [Value]
  ) -> Int {
    let width = extractor.paths.count
    var reader = LineReader(skipsByteOrderMark: false)
    var rows = 0
    func handle(_ line: LineReader.Line, _: Int) {
      guard case .line(let text) = line else { return }
      let base = values.count
      for _ in 0..<width { values.append(.null) }
      let error = values.withUnsafeMutableBufferPointer { buffer in
        extractor.extract(text, into: buffer.baseAddress! + base)
      }
      if error != nil {
        values.removeLast(width)
      } else {
        rows += 1
      }
    }
    bytes.withUnsafeBytes { reader.feed($0, handle) }
    reader.finish(handle)
    return rows
  }
}
