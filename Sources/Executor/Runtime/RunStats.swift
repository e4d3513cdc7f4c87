import Planner

/// Counters of one run, printed by `--stats` (SPEC 1) and used for the late-events warning.
public struct RunStats: Sendable {
  public var lines = 0
  public var bytes = 0
  /// Lines that were not a JSON object, too long, or invalid UTF-8.
  public var badLines = 0
  /// Rows with a missing or unparsable event time, or a failing CAST.
  public var badRows = 0
  public var lateEvents = 0
  public var typeWarnings = 0
  public var windowsFired = 0
  public var rowsOut = 0
  /// Time spent waiting on sinks (write(2) to a slow pipe or socket, SQLite), microseconds:
  /// the backpressure that slowed the reading of input.
  public var outputBlockedMicros: Int64 = 0
  /// Rows quarantined by `--max-future`.
  public var futureRows = 0
  /// The most rows of state held at once (summed over queries' peaks), and the process's peak RSS.
  public var peakStateRows = 0
  public var peakMemoryBytes = 0
  public var startedAt: Int64 = 0
  public var endedAt: Int64 = 0
  /// Read-to-write latency samples of output rows, in microseconds (a bounded reservoir).
  public var latencies: [Int64] = []
  /// Every latency sample in Prometheus buckets (`--metrics`).
  public var latencyHistogram = LatencyHistogram()
  /// `--stats` lines for fields seen with more than one non-null type (`TypeDrift`).
  public var typeDrift: [String] = []
  /// `dedupe_key` and `--from`/`--until` (RunStats+Replay.swift); nil when not in use.
  public var dedupe: DedupeCounts?
  public var outsideRange: Int? = nil
  /// Resumed from a `--checkpoint`: the input lines its restored state covered, and when it
  /// was taken; nil for a run that started from the beginning.
  public var restored: (lines: Int, takenAt: Int64)?

  public init() {}

  mutating func recordLatency(_ micros: Int64) {
    latencyHistogram.record(micros)
    if latencies.count < 100_000 {
      latencies.append(micros)
    } else {
      // Keep a deterministic spread of samples: overwrite round-robin.
      latencies[rowsOut % latencies.count] = micros
    }
  }

  func percentile(_ p: Double) -> Int64? {
    guard !latencies.isEmpty else { return nil }
    let sorted = latencies.sorted()
    let i = min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))
    return sorted[i]
  }

  /// The `--stats` report.
  public var report: String {
    let seconds = Double(max(1, endedAt - startedAt)) / 1000
    let mb = Double(bytes) / 1_000_000
    var lines = ["streamsql stats:"]
    lines.append("  events read:    \(self.lines) (\(bytes) bytes)")
    lines.append("  bad lines:      \(badLines)")
    lines.append("  bad rows:       \(badRows) (missing event time or failed CAST)")
    lines.append("  late events:    \(lateEvents)")
    lines.append("  type warnings:  \(typeWarnings) (non-numbers given to SUM/AVG/statistics)")
    lines.append("  windows fired:  \(windowsFired)")
    lines.append("  rows out:       \(rowsOut)")
    lines.append(
      "  output blocked: \(format(Double(outputBlockedMicros) / 1_000_000, 3)) s (waiting on slow sinks)"
    )
    lines.append("  future rows:    \(futureRows) (quarantined by --max-future)")
    lines.append(
      "  state:          peak \(peakStateRows) rows (windows × groups), peak RSS \(peakMemoryBytes >> 20) MiB"
    )
    let rate = Double(self.lines) / seconds
    lines.append(
      "  elapsed:        \(format(seconds, 3)) s, \(format(mb / seconds, 1)) MB/s, \(Int(rate)) events/s"
    )
    if let p50 = percentile(0.5), let p99 = percentile(0.99), let max = percentile(1) {
      lines.append("  latency (read to write): p50 \(p50) us, p99 \(p99) us, max \(max) us")
    }
    lines += replayReport
    if let restored {
      lines.append(
        "  restored:       \(restored.lines) input lines covered by the checkpoint taken at \(Timestamp.format(restored.takenAt))"
      )
    }
    if !typeDrift.isEmpty { lines += ["  type drift:"] + typeDrift.map { "    " + $0 } }
    return lines.joined(separator: "\n") + "\n"
  }

  private func format(_ x: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let v = (x * scale).rounded() / scale
    return String(v)
  }
}
