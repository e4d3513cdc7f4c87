import Planner

/// Count windows (SPEC 5): per group, in arrival order, windows of `size` rows starting every
/// `advance` rows. window_start and window_end are the times of the first and last row in the
/// window; a window fires when full, and the partial windows still open fire at end of input.
public final class CountWindowOperator: WindowOperator {
  final class Window {
    var first: Int64
    var last: Int64
    var rows: Int64 = 0
    var states: [Accumulator]
    init(first: Int64, states: [Accumulator]) {
      self.first = first
      self.last = first
      self.states = states
    }
  }

  final class GroupState {
    let key: [Value]
    var seen: Int64 = 0
    var open: [Window] = []
    init(key: [Value]) { self.key = key }
  }

  let layout: AggregateLayout
  let size: Int64
  let advance: Int64
  // Internal, not private: WindowOperators+Checkpoint.swift saves and restores the state.
  var groups: [[Value]: GroupState] = [:]
  var groupOrder: [GroupState] = []
  var typeWarnings = 0
  var windowsFired = 0

  public init(layout: AggregateLayout, size: Int64, advance: Int64) {
    self.layout = layout
    self.size = size
    self.advance = advance
  }

  var openWindowCount: Int { groupOrder.reduce(0) { $0 + $1.open.count } }
  var stateGroupCount: Int { groups.count }
  var stateRowCount: Int { groupOrder.count + openWindowCount }

  public func process(_ batch: RowBatch, emit: inout Emitter) throws {
    var warnings = 0
    batch.forEachRow { i, row in
      let t = batch.times[i]
      let key = layout.key(row)
      let state: GroupState
      if let s = groups[key] {
        state = s
      } else {
        state = GroupState(key: key)
        groups[key] = state
        groupOrder.append(state)
      }
      if state.seen % advance == 0 {
        state.open.append(Window(first: t, states: layout.aggregates.map { $0.makeAccumulator() }))
      }
      state.seen += 1
      var stillOpen: [Window] = []
      for w in state.open {
        layout.add(row, time: t, to: w.states, warnings: &warnings)
        w.rows += 1
        w.last = t
        if w.rows == size {
          windowsFired += 1
          emit.emit([result(w, state.key)], isFinal: true)
        } else {
          stillOpen.append(w)
        }
      }
      state.open = stillOpen
    }
    typeWarnings += warnings
  }

  public func onWatermark(_ watermark: Int64, emit: inout Emitter) throws {}

  public func finish(emit: inout Emitter) throws {
    for state in groupOrder {
      for w in state.open {
        windowsFired += 1
        emit.emit([result(w, state.key)], isFinal: true)
      }
      state.open = []
    }
  }

  private func result(_ w: Window, _ key: [Value]) -> [Value] {
    var row: [Value] = [.timestamp(w.first), .timestamp(w.last)]
    row.append(contentsOf: key)
    for acc in w.states { row.append(acc.result) }
    return row
  }
}
