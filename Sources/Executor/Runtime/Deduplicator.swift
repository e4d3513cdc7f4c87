import Planner

/// The state of one query's deduplication (`DedupePlan`): the keys kept within the span, each
/// with the time of its last kept occurrence.
///
/// Every query reading a deduplicated stream holds its own `Deduplicator`; they see the same rows
/// in the same order and apply the same rule, so they drop the same rows. A key is valid while
/// the largest time admitted so far, M, is at most t₀ + span; lookups check that, so the result
/// does not depend on when memory is actually reclaimed. Reclaiming sweeps the table whenever it
/// has doubled since the last sweep: memory stays within twice the keys of one span (plus a
/// constant), however long the input.
///
/// - Complexity: O(1) amortized per row.
final class Deduplicator {
  private let within: Int64
  // Internal, not private: Deduplicator+Checkpoint.swift saves and restores the state below.
  /// Key → time of its last kept occurrence.
  var seen: [Value: Int64] = [:]
  /// The largest time admitted so far.
  var maxTime = Int64.min
  var sweepAt = 1024
  /// Rows dropped as repeats, keys forgotten by the watermark, and the most keys held at once.
  var dropped = 0
  var evicted = 0
  var peakKeys = 0

  init(plan: DedupePlan) {
    within = plan.withinMillis
  }

  /// Keys held now (some may already be past the span and await the next sweep).
  var keyCount: Int { seen.count }

  /// Whether the row with `key` at `time` is new (kept) rather than a repeat (dropped).
  func admit(_ key: Value, time: Int64) -> Bool {
    if case .null = key { return advance(time) }
    if let first = seen[key], isLive(first), distance(time, first) <= within {
      dropped += 1
      return false
    }
    seen[key] = time
    if seen.count > peakKeys { peakKeys = seen.count }
    return advance(time)
  }

  private func advance(_ time: Int64) -> Bool {
    if time > maxTime { maxTime = time }
    if seen.count >= sweepAt { sweep() }
    return true
  }

  /// A key kept at `first` is remembered while M ≤ first + span.
  private func isLive(_ first: Int64) -> Bool {
    let (end, overflow) = first.addingReportingOverflow(within)
    return overflow || maxTime <= end
  }

  private func distance(_ a: Int64, _ b: Int64) -> Int64 {
    let (d, overflow) = a.subtractingReportingOverflow(b)
    if overflow { return Int64.max }
    return d == Int64.min ? Int64.max : abs(d)
  }

  private func sweep() {
    let before = seen.count
    seen = seen.filter { isLive($0.value) }
    evicted += before - seen.count
    sweepAt = max(1024, seen.count * 2)
  }
}
