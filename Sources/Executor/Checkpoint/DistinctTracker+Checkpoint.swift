import Planner

/// Saving and restoring a `DistinctTracker`.
///
/// Hashes are not saved: they are seeded per process (`ValueHash`), so the entries are looked
/// up again (`restore(group:value:...)`), in their saved order so that the overflow sets keep
/// their entry numbers.
extension DistinctTracker {
  func save(into w: inout CheckpointWriter) {
    w.int(sweptCount)
    w.int(count)
    for e in 0..<count {
      w.values(keys[e * width..<(e + 1) * width])
      let (base, mask) = state(of: e)
      w.int(base)
      w.int(Int64(bitPattern: mask))
      let extra = overflow[e].map { Array($0).sorted() } ?? []
      w.int(extra.count)
      for window in extra { w.int(window) }
    }
  }

  mutating func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    let swept = try r.count()
    let n = try r.count()
    for _ in 0..<n {
      let entryKeys = try r.values()
      guard entryKeys.count == width else {
        throw CheckpointError("the checkpoint does not match the query's COUNT(DISTINCT) state")
      }
      let group = Array(entryKeys[0..<width - 1])
      let value = entryKeys[width - 1]
      let base = try r.int()
      let mask = UInt64(bitPattern: try r.int())
      let extraCount = try r.count()
      var extra = Set<Int64>()
      for _ in 0..<extraCount { extra.insert(try r.int()) }
      group.withUnsafeBufferPointer { key in
        restore(group: key, value: value, base: base, mask: mask, extra: extra)
      }
    }
    sweptCount = swept
  }
}
