import Benchmark
import BenchmarkSupport
import Executor
import Planner

/// Per-row expression evaluation, as the executor's `QueryPreparer` does it.
///
/// On scanned rows: event time, filter, then group keys and aggregate arguments or the
/// projection for the rows that pass. 100,000 generated events per iteration, scanned
/// beforehand.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(metrics: Rate.metrics, maxDuration: .seconds(2))
  let events = 100_000

  for (name, sql) in [
    (
      "Filter status >= 500 AND event = 'purchase'",
      "SELECT user_id, url, status FROM stdin WHERE status >= 500 AND event = 'purchase'"
    ),
    ("Q1 filter status >= 500, project 3 columns", PeerQuery.q1),
    ("Q2 event time, key and arguments", PeerQuery.q2),
    (
      "LIKE and lower(): url LIKE '/product/%' AND lower(country) = 'us'",
      "SELECT user_id, upper(event) AS e FROM stdin "
        + "WHERE url LIKE '/product/%' AND lower(country) = 'us'"
    ),
  ] {
    Benchmark(name) { benchmark, input in
      Rate.measure(benchmark, bytes: nil, rows: input.rowCount) {
        var passed = 0
        for piece in input.scanned {
          let prepared = input.preparer.prepare(
            piece.values, width: input.width, count: piece.rows, arrivalMillis: 0)
          passed += prepared.values.count
        }
        return passed
      }
    } setup: {
      ScannedInput(Workload(sql: sql, events: events))
    }
  }
}

/// A query's preparer and the clickstream already scanned for it.
struct ScannedInput {
  let preparer: QueryPreparer
  let width: Int
  let scanned: [(values: [Value], rows: Int)]
  let rowCount: Int

  init(_ workload: Workload) {
    preparer = QueryPreparer(plan: workload.query)
    width = workload.fields.count
    scanned = workload.scanned()
    rowCount = scanned.reduce(0) { $0 + $1.rows }
  }
}
