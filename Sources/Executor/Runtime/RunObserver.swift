#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Watches a running script for `--metrics` and the progress bar: every ~100 ms (and whenever
/// the run is about to wait for input) it gathers the counters the run keeps on its own thread
/// into a `MetricsSnapshot` for the `MetricsServer`, and redraws the `ProgressBar`.
///
/// `ScriptRunner` calls it from the read loop with its sources, queries and sinks; nothing here
/// runs per row, so a run without `--metrics` or a terminal pays one nil check per read.
final class RunObserver {
  let server: MetricsServer?
  let progress: ProgressBar?
  private let startedAtMillis = Clock.wallMillis()
  private var lastMicros: Int64 = 0

  static let intervalMicros: Int64 = 100_000

  /// Starts the metrics server (exit 1 if the address is taken) and the progress bar; nil when
  /// neither is asked for.
  init?(options: RunOptions, inputs: [any Input]) throws(RunError) {
    if let address = options.metricsAddress {
      guard let (host, port) = MetricsServer.parseAddress(address) else {
        throw RunError("--metrics takes HOST:PORT or PORT, not '\(address)'")
      }
      let server = try MetricsServer(host: host, port: port)
      self.server = server
      let shown = server.host.contains(":") ? "[\(server.host)]" : server.host
      let line = "streamsql: metrics at http://\(shown):\(server.port)/metrics\n"
      _ = line.withCString { write(2, $0, strlen($0)) }
    } else {
      server = nil
    }
    progress =
      options.showsProgress
      ? RunObserver.totalBytes(of: inputs).map { ProgressBar(totalBytes: $0) } : nil
    if server == nil && progress == nil { return nil }
  }

  /// The sum of the inputs' sizes when every input is a regular, uncompressed file read once
  /// (stdin redirected from a file counts); nil otherwise, as a pipe, socket or followed file
  /// has no total.
  static func totalBytes(of inputs: [any Input]) -> Int? {
    var total = 0
    for input in inputs {
      guard let file = input as? InputFile else { return nil }
      var info = stat()
      guard !file.name.hasSuffix(".gz"), fstat(file.fd, &info) == 0,
        (info.st_mode & S_IFMT) == S_IFREG
      else { return nil }
      total += Int(info.st_size)
    }
    return inputs.isEmpty ? nil : total
  }

  /// Publishes and redraws if ~100 ms passed since last time, or at once with `force`.
  func observe(
    _ sources: [SourceReader], _ runners: [QueryRunner], _ sinks: [OutputSink], force: Bool = false
  ) {
    let now = Clock.monotonicMicros()
    guard force || now - lastMicros >= Self.intervalMicros else { return }
    lastMicros = now
    if let progress {
      progress.update(bytesRead: sources.reduce(0) { $0 + $1.stats.bytes }, force: force)
    }
    if let server { server.publish(snapshot(sources, runners, sinks)) }
  }

  /// End of input: the bar is erased (before warnings and `--stats` print), a last snapshot is
  /// published, and the server stops.
  func finish(_ sources: [SourceReader], _ runners: [QueryRunner], _ sinks: [OutputSink]) {
    progress?.clear()
    if let server {
      server.publish(snapshot(sources, runners, sinks))
      server.stop()
    }
  }

  func snapshot(_ sources: [SourceReader], _ runners: [QueryRunner], _ sinks: [OutputSink])
    -> MetricsSnapshot
  {
    var s = MetricsSnapshot()
    s.startedAtMillis = startedAtMillis
    for source in sources {
      s.linesIn += source.stats.lines
      s.bytesIn += source.stats.bytes
      s.badLines += source.stats.badLines
      s.badRows += source.stats.badRows
    }
    for runner in runners {
      var q = MetricsSnapshot.Query(label: String(runner.plan.number))
      q.rowsOut = runner.stats.rowsOut
      q.lateRows = runner.stats.lateEvents
      q.badRows = runner.stats.badRows
      let w = runner.watermark
      q.watermarkMillis = (w == Int64.min || w == Int64.max || runner.isDone) ? nil : w
      (q.openWindows, q.groups) = runner.stateSize
      s.queries.append(q)
      s.latency.merge(runner.stats.latencyHistogram)
    }
    s.blockedMicros = sinks.reduce(0) { $0 + $1.blockedMicros }
    return s
  }
}
