import Planner

/// Saving and restoring the state of the session, moving and count window operators, as
/// `TimeWindowOperator+Checkpoint.swift` does for tumbling and hopping windows.
///
/// Groups are saved in their first-seen order and each group's sessions, rows or open windows in
/// their own order, so that merges, ties and output order after a resume are those of an
/// uninterrupted run. Accumulators are built for each restored window as for a new one and then
/// take their saved fields back (`AccumulatorCheckpoint`).
extension SessionWindowOperator {
  func save(into w: inout CheckpointWriter) {
    w.int(windowsFired)
    w.int(typeWarnings)
    w.int(earliestEnd)
    w.int(groupOrder.count)
    for key in groupOrder {
      let list = sessions[key] ?? []
      w.values(key)
      w.int(list.count)
      for s in list {
        w.int(s.start)
        w.int(s.last)
        for acc in s.states { AccumulatorCheckpoint.save(acc, into: &w) }
      }
    }
  }

  func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    windowsFired = Int(try r.int())
    typeWarnings = Int(try r.int())
    earliestEnd = try r.int()
    sessions = [:]
    groupOrder = []
    for _ in 0..<(try r.count()) {
      let key = try r.groupKey(width: layout.keyCount)
      var list: [Session] = []
      for _ in 0..<(try r.count()) {
        let start = try r.int()
        let last = try r.int()
        let states = layout.aggregates.map { $0.makeAccumulator() }
        for acc in states { try AccumulatorCheckpoint.restore(acc, from: &r) }
        list.append(Session(start: start, last: last, states: states))
      }
      groupOrder.append(key)
      if !list.isEmpty { sessions[key] = list }
    }
  }
}

extension MovingWindowOperator {
  func save(into w: inout CheckpointWriter) {
    w.int(windowsFired)
    w.int(typeWarnings)
    w.int(earliestPending)
    w.int(groupOrder.count)
    for state in groupOrder {
      w.values(state.key)
      w.int(state.times.count)
      for (t, row) in zip(state.times, state.rows) {
        w.int(t)
        w.values(row)
      }
      w.int(state.pending.count)
      for t in state.pending { w.int(t) }
    }
  }

  func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    windowsFired = Int(try r.int())
    typeWarnings = Int(try r.int())
    earliestPending = try r.int()
    groups = [:]
    groupOrder = []
    for _ in 0..<(try r.count()) {
      let key = try r.groupKey(width: layout.keyCount)
      let state = GroupState(key: key)
      for _ in 0..<(try r.count()) {
        state.times.append(try r.int())
        let row = try r.values()
        guard row.count == layout.width else {
          throw CheckpointError("the checkpoint does not match the query's aggregates")
        }
        state.rows.append(row)
      }
      for _ in 0..<(try r.count()) { state.pending.append(try r.int()) }
      groups[key] = state
      groupOrder.append(state)
    }
  }
}

extension CountWindowOperator {
  func save(into w: inout CheckpointWriter) {
    w.int(windowsFired)
    w.int(typeWarnings)
    w.int(groupOrder.count)
    for state in groupOrder {
      w.values(state.key)
      w.int(state.seen)
      w.int(state.open.count)
      for window in state.open {
        w.int(window.first)
        w.int(window.last)
        w.int(window.rows)
        for acc in window.states { AccumulatorCheckpoint.save(acc, into: &w) }
      }
    }
  }

  func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    windowsFired = Int(try r.int())
    typeWarnings = Int(try r.int())
    groups = [:]
    groupOrder = []
    for _ in 0..<(try r.count()) {
      let key = try r.groupKey(width: layout.keyCount)
      let state = GroupState(key: key)
      state.seen = try r.int()
      for _ in 0..<(try r.count()) {
        let first = try r.int()
        let window = Window(first: first, states: layout.aggregates.map { $0.makeAccumulator() })
        window.last = try r.int()
        window.rows = try r.int()
        for acc in window.states { try AccumulatorCheckpoint.restore(acc, from: &r) }
        state.open.append(window)
      }
      groups[key] = state
      groupOrder.append(state)
    }
  }
}
