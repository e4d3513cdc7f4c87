/// Deduplication counters for `--stats`.
public struct DedupeCounts: Sendable, Equatable {
  /// Rows dropped as repeats of a key seen within the span.
  public var dropped = 0
  /// Keys forgotten because the watermark passed their span.
  public var evicted = 0
  /// The most keys held at once (summed over deduplicated sources): bounded by the keys of
  /// about two spans, not by the length of the input.
  public var peakKeys = 0
}

extension RunStats {
  /// Folds the queries' counters in. Queries reading the same source see the same rows and drop
  /// the same ones, so a source counts once (its largest figures), not once per query.
  mutating func addReplayCounts(
    _ queries: [(
      source: Int?, deduplicates: Bool,
      counts: (duplicates: Int, evicted: Int, peakKeys: Int, outsideRange: Int)
    )],
    range: Bool
  ) {
    var perSource: [Int: (DedupeCounts, Int)] = [:]
    var anyDedupe = false
    for q in queries {
      guard let source = q.source else { continue }
      anyDedupe = anyDedupe || q.deduplicates
      var (d, outside) = perSource[source] ?? (DedupeCounts(), 0)
      d.dropped = max(d.dropped, q.counts.duplicates)
      d.evicted = max(d.evicted, q.counts.evicted)
      d.peakKeys = max(d.peakKeys, q.counts.peakKeys)
      outside = max(outside, q.counts.outsideRange)
      perSource[source] = (d, outside)
    }
    if anyDedupe {
      var total = DedupeCounts()
      for (d, _) in perSource.values {
        total.dropped += d.dropped
        total.evicted += d.evicted
        total.peakKeys += d.peakKeys
      }
      dedupe = total
    }
    if range { outsideRange = perSource.values.reduce(0) { $0 + $1.1 } }
  }

  /// The `--stats` lines for deduplication and `--from`/`--until`, when in use.
  var replayReport: [String] {
    var lines: [String] = []
    if let dedupe {
      lines.append(
        "  duplicates:     \(dedupe.dropped) dropped (dedupe_key); \(dedupe.evicted) keys evicted, peak \(dedupe.peakKeys) keys held"
      )
    }
    if let outsideRange {
      lines.append("  outside range:  \(outsideRange) (skipped by --from/--until)")
    }
    return lines
  }
}
