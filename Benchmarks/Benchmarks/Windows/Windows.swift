import Benchmark
import BenchmarkSupport

/// Each window operator alone, fed the batches and watermarks the executor would give it for
/// 200,000 generated events (200 seconds of event time at 1,000 events a second), built
/// beforehand; each iteration runs a fresh operator through all of them and the end of input.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(metrics: Rate.metrics, maxDuration: .seconds(2))
  let events = 200_000
  let aggregates = "COUNT(*) AS n, SUM(amount) AS revenue, AVG(latency_ms) AS avg_latency"

  for (name, sql) in [
    ("Tumbling 1 min per country: COUNT, SUM, AVG (Q2)", PeerQuery.q2),
    ("Hopping 2 min / 10 s: COUNT(DISTINCT user_id) (Q3)", PeerQuery.q3),
    (
      "Session gap 30 s per user: COUNT, SUM, AVG",
      "SELECT user_id, \(aggregates) FROM stdin TIMESTAMP BY ts "
        + "WINDOW SESSION (GAP 30 SECONDS, GRACE PERIOD 3 SECONDS) GROUP BY user_id"
    ),
    (
      "Moving 1 s per country: COUNT, SUM, AVG",
      "SELECT country, \(aggregates) FROM stdin TIMESTAMP BY ts "
        + "WINDOW SLIDING (SIZE 1 SECOND, GRACE PERIOD 3 SECONDS) GROUP BY country"
    ),
    (
      "Count tumbling 1000 rows per country: COUNT, SUM, AVG",
      "SELECT country, \(aggregates) FROM stdin WINDOW TUMBLING (SIZE 1000 ROWS) GROUP BY country"
    ),
    (
      "Count hopping 1000 / 250 rows per country: COUNT, SUM, AVG",
      "SELECT country, \(aggregates) FROM stdin "
        + "WINDOW SLIDING (SIZE 1000 ROWS, ADVANCE BY 250 ROWS) GROUP BY country"
    ),
  ] {
    Benchmark(name) { benchmark, input in
      try Rate.measure(benchmark, bytes: nil, rows: input.rowCount) { try input.run() }
    } setup: {
      WindowInput(Workload(sql: sql, events: events))
    }
  }
}
