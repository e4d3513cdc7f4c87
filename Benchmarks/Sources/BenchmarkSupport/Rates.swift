import Benchmark

/// Throughput as custom metrics, timed around the work of one iteration.
///
/// The benchmark tool's own `throughput` counts iterations per second; an iteration here is a
/// whole generated input, so bytes and rows per second say more.
public enum Rate {
  public static let megabytesPerSecond = BenchmarkMetric.custom(
    "MB/s", polarity: .prefersLarger, useScalingFactor: false)
  public static let rowsPerSecond = BenchmarkMetric.custom(
    "rows/s", polarity: .prefersLarger, useScalingFactor: false)

  /// The metrics every benchmark here reports: time, allocations, and the two rates.
  public static let metrics: [BenchmarkMetric] = [
    .wallClock, .mallocCountTotal, megabytesPerSecond, rowsPerSecond,
  ]

  /// Runs `body` once and records MB/s over `bytes` (when given) and rows/s over `rows`.
  @inline(__always)
  public static func measure<R>(
    _ benchmark: Benchmark, bytes: Int?, rows: Int, _ body: () throws -> R
  ) rethrows {
    let clock = ContinuousClock()
    let start = clock.now
    blackHole(try body())
    let elapsed = start.duration(to: clock.now)
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    guard seconds > 0 else { return }
    if let bytes { benchmark.measurement(megabytesPerSecond, Int(Double(bytes) / 1e6 / seconds)) }
    benchmark.measurement(rowsPerSecond, Int(Double(rows) / seconds))
  }
}
