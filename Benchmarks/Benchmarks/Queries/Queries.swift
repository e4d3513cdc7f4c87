import Benchmark
import BenchmarkSupport
import Executor
import Foundation

/// The three peer queries end to end, in-process.
///
/// Reading a file (page-cached after the first iteration), scanning on the worker threads,
/// preparing, windows, formatting, written to /dev/null: what `streamsql -i FILE` does, without
/// starting a process. 200,000 generated events (about 37 MB) per iteration.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(metrics: Rate.metrics, maxDuration: .seconds(3))
  let events = 200_000
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("streamsql-benchmark-\(getpid()).ndjson").path

  for (name, sql) in [
    ("Q1 filter + project", PeerQuery.q1),
    ("Q2 tumbling 1 min per country", PeerQuery.q2),
    ("Q3 sliding 2 min / 10 s, COUNT(DISTINCT)", PeerQuery.q3),
  ] {
    Benchmark(name) { (benchmark, workload: Workload) in
      var options = RunOptions()
      options.inputs = [path]
      options.outputPath = "/dev/null"
      try Rate.measure(benchmark, bytes: workload.byteCount, rows: workload.lineCount) {
        let runner = try ScriptRunner(plan: workload.plan, options: options)
        return try runner.run().stats
      }
    } setup: { () throws -> Workload in
      let workload = Workload(sql: sql, events: events)
      try Data(workload.pieces.joined()).write(to: URL(fileURLWithPath: path))
      return workload
    } teardown: {
      try? FileManager.default.removeItem(atPath: path)
    }
  }
}
