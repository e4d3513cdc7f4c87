/// Cumulative counts of read-to-write latencies in fixed buckets, for the Prometheus histogram
/// `streamsql_latency_seconds` (`--metrics`).
///
/// `RunStats.latencies` keeps a bounded reservoir for `--stats` percentiles, which forgets old
/// samples; a Prometheus histogram must only ever grow, so every sample also lands here: one
/// comparison per bucket, no allocation.
///
/// - Complexity: O(buckets) per sample, 14 buckets.
public struct LatencyHistogram: Sendable, Equatable {
  /// Upper bounds in microseconds: 100 µs to 60 s, roughly ×2.5 apart (a `+Inf` bucket is implied).
  public static let boundsMicros: [Int64] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
    10_000_000, 60_000_000,
  ]

  /// Samples at or below each bound (not cumulative; `cumulative` adds them up).
  public private(set) var counts: [Int] = Array(
    repeating: 0, count: LatencyHistogram.boundsMicros.count)
  /// All samples, including those above the last bound.
  public private(set) var count = 0
  public private(set) var sumMicros: Int64 = 0

  public init() {}

  mutating func record(_ micros: Int64) {
    count += 1
    sumMicros &+= max(0, micros)
    for (i, bound) in Self.boundsMicros.enumerated() where micros <= bound {
      counts[i] += 1
      return
    }
  }

  /// Adds another histogram's samples (several queries into one run-wide histogram).
  mutating func merge(_ other: LatencyHistogram) {
    for i in counts.indices { counts[i] += other.counts[i] }
    count += other.count
    sumMicros &+= other.sumMicros
  }

  /// Samples at or below each bound, as the `le` buckets of the exposition format.
  public var cumulative: [Int] {
    var running = 0
    return counts.map {
      running += $0
      return running
    }
  }
}
