import Planner

/// Saving and restoring a `Deduplicator`: the keys it remembers with the time of their last kept
/// occurrence, the largest time admitted, when it sweeps next, and its counters (`--stats`).
///
/// The span itself is not saved: it is part of the plan, and so of the fingerprint.
extension Deduplicator {
  func save(into w: inout CheckpointWriter) {
    w.int(maxTime)
    w.int(sweepAt)
    w.int(dropped)
    w.int(evicted)
    w.int(peakKeys)
    w.int(seen.count)
    for (key, time) in seen {
      w.value(key)
      w.int(time)
    }
  }

  func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    maxTime = try r.int()
    sweepAt = Int(try r.int())
    dropped = Int(try r.int())
    evicted = Int(try r.int())
    peakKeys = Int(try r.int())
    var restored: [Value: Int64] = [:]
    let n = try r.count()
    restored.reserveCapacity(n)
    for _ in 0..<n {
      let key = try r.value()
      restored[key] = try r.int()
    }
    seen = restored
  }
}
