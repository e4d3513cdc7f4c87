import Planner

/// Saving and restoring the open windows of a `TimeWindowOperator`: each window's groups in
/// first-seen order (so output order is unchanged), their aggregate states (cells written as
/// the accumulator of the same aggregate writes itself, so the format does not depend on the
/// form), and the COUNT(DISTINCT) trackers.
///
/// Taken only between pieces, when no window has changes waiting to be emitted.
extension TimeWindowOperator {
  func save(into w: inout CheckpointWriter) {
    w.int(windowsFired)
    w.int(typeWarnings)
    let starts = windows.keys.sorted()
    w.int(starts.count)
    for start in starts {
      let table = windows[start]!
      w.int(start)
      w.int(table.count)
      for g in 0..<table.count {
        w.values(table.key(g))
        for a in layout.aggregates.indices {
          if let (cell, kind) = table.state(g, aggregate: a) {
            AccumulatorCheckpoint.save(cell, kind, into: &w)
          } else {
            AccumulatorCheckpoint.save(table.accumulator(g, aggregate: a)!, into: &w)
          }
        }
      }
    }
    w.int(trackers.count)
    for t in trackers { t.save(into: &w) }
  }

  func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    windowsFired = Int(try r.int())
    typeWarnings = Int(try r.int())
    windows = [:]
    let windowCount = try r.count()
    for _ in 0..<windowCount {
      let start = try r.int()
      let table = GroupTable(keyWidth: layout.keyCount, shape: shape)
      let groups = try r.count()
      for _ in 0..<groups {
        let key = try r.groupKey(width: layout.keyCount)
        let g = key.withUnsafeBufferPointer { table.group(for: $0, hash: GroupTable.hash($0)) }
        for a in layout.aggregates.indices {
          if let (_, kind) = table.state(g, aggregate: a) {
            table.setCell(g, aggregate: a, try AccumulatorCheckpoint.restoreCell(kind, from: &r))
          } else {
            try AccumulatorCheckpoint.restore(table.accumulator(g, aggregate: a)!, from: &r)
          }
        }
      }
      windows[start] = table
    }
    let trackerCount = try r.count()
    guard trackerCount == trackers.count else {
      throw CheckpointError("the checkpoint does not match the query's COUNT(DISTINCT) aggregates")
    }
    for j in trackers.indices { try trackers[j].restore(from: &r) }
  }
}
