import Benchmark
import BenchmarkSupport
import Executor
import Planner

/// The NDJSON scanner: finding line ends, framing lines, and extracting the fields each of the
/// peer queries reads, over 100,000 generated events (about 18 MB) per iteration.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(metrics: Rate.metrics, maxDuration: .seconds(2))
  let events = 100_000

  Benchmark("LineSplitter.countNewlines") { benchmark, bytes in
    Rate.measure(benchmark, bytes: bytes.count, rows: events) {
      bytes.withUnsafeBytes { LineSplitter.countNewlines(in: $0) }
    }
  } setup: {
    Clickstream.ndjson(events: events)
  }

  Benchmark("LineReader framing 1 MiB pieces") { benchmark, workload in
    Rate.measure(benchmark, bytes: workload.byteCount, rows: workload.lineCount) {
      var lines = 0
      for piece in workload.pieces {
        var reader = LineReader(skipsByteOrderMark: false)
        piece.withUnsafeBytes { reader.feed($0) { _, _ in lines += 1 } }
      }
      return lines
    }
  } setup: {
    Workload(sql: PeerQuery.q1, events: events)
  }

  for (name, sql) in [
    ("FieldExtractor Q1 fields (user_id, url, status)", PeerQuery.q1),
    ("FieldExtractor Q2 fields (ts, country, amount, latency_ms)", PeerQuery.q2),
    ("FieldExtractor Q3 fields (ts, user_id)", PeerQuery.q3),
  ] {
    Benchmark(name) { benchmark, workload in
      let extractor = FieldExtractor(paths: workload.fields)
      var values: [Value] = []
      values.reserveCapacity(workload.fields.count * 8192)
      Rate.measure(benchmark, bytes: workload.byteCount, rows: workload.lineCount) {
        var rows = 0
        for piece in workload.pieces {
          values.removeAll(keepingCapacity: true)
          rows += Scan.extract(piece, with: extractor, into: &values)
        }
        precondition(rows == workload.lineCount, "every generated line is good")
        return rows
      }
    } setup: {
      Workload(sql: sql, events: events)
    }
  }
}
