import Planner

/// The moving window of SPEC 5 (`WINDOW SLIDING (SIZE d)` without ADVANCE BY), as Azure Stream
/// Analytics' SlidingWindow: per group, one row for each distinct event time t, aggregating the
/// group's rows with time in (t − d, t]; window_start = t − d, window_end = t.
///
/// A row is late if t < W when it arrives; (group, t) is emitted once W > t, when no row that
/// could still fall in (t − d, t] can arrive. Rows older than W − d can never be needed again and
/// are dropped, so state is bounded by the rows of one window per group.
public final class MovingWindowOperator: WindowOperator {
  final class GroupState {
    let key: [Value]
    /// Rows ordered by time (ties in arrival order): the time and the row's values.
    var times: [Int64] = []
    var rows: [[Value]] = []
    /// Distinct times not yet emitted, ascending.
    var pending: [Int64] = []
    init(key: [Value]) { self.key = key }
  }

  let layout: AggregateLayout
  let size: Int64
  // Internal, not private: WindowOperators+Checkpoint.swift saves and restores the state.
  var groups: [[Value]: GroupState] = [:]
  var groupOrder: [GroupState] = []
  var earliestPending = Int64.max
  var typeWarnings = 0
  var windowsFired = 0

  public init(layout: AggregateLayout, size: Int64) {
    self.layout = layout
    self.size = size
  }

  var openWindowCount: Int { groupOrder.reduce(0) { $0 + $1.pending.count } }
  var stateGroupCount: Int { groups.count }
  var stateRowCount: Int { groupOrder.reduce(groupOrder.count) { $0 + $1.rows.count } }

  public func process(_ batch: RowBatch, emit: inout Emitter) throws {
    batch.forEachRow { i, row in
      let t = batch.times[i]
      if t < batch.watermarks[i] {
        emit.late.append(batch.lines[i])
        return
      }
      let key = layout.key(row)
      let state: GroupState
      if let s = groups[key] {
        state = s
      } else {
        state = GroupState(key: key)
        groups[key] = state
        groupOrder.append(state)
      }
      let at = MovingWindowOperator.upperBound(state.times, t)
      state.times.insert(t, at: at)
      state.rows.insert(Array(row), at: at)
      let p = MovingWindowOperator.lowerBound(state.pending, t)
      if p == state.pending.count || state.pending[p] != t { state.pending.insert(t, at: p) }
      earliestPending = min(earliestPending, t)
    }
  }

  public func onWatermark(_ watermark: Int64, emit: inout Emitter) throws {
    guard watermark > earliestPending else { return }
    fire(below: watermark, &emit)
  }

  public func finish(emit: inout Emitter) throws {
    fire(below: Int64.max, &emit)
  }

  private func fire(below watermark: Int64, _ emit: inout Emitter) {
    var out: [(t: Int64, order: Int, row: [Value])] = []
    var warnings = 0
    var nextEarliest = Int64.max
    for (order, state) in groupOrder.enumerated() {
      var emitted = 0
      for t in state.pending {
        guard t < watermark else { break }
        let states = layout.aggregates.map { $0.makeAccumulator() }
        // Rows with time in (t − size, t].
        var i = MovingWindowOperator.upperBound(state.times, t - size)
        let end = MovingWindowOperator.upperBound(state.times, t)
        while i < end {
          state.rows[i].withUnsafeBufferPointer {
            layout.add($0, time: state.times[i], to: states, warnings: &warnings)
          }
          i += 1
        }
        var row: [Value] = [.timestamp(t - size), .timestamp(t)]
        row.append(contentsOf: state.key)
        for acc in states { row.append(acc.result) }
        out.append((t, order, row))
        emitted += 1
      }
      state.pending.removeFirst(emitted)
      if let next = state.pending.first { nextEarliest = min(nextEarliest, next) }
      // Rows at or before W − size cannot fall in any window still to be emitted.
      if watermark != Int64.max {
        let drop = MovingWindowOperator.upperBound(state.times, watermark - size)
        if drop > 0 {
          state.times.removeFirst(drop)
          state.rows.removeFirst(drop)
        }
      }
    }
    groupOrder.removeAll { state in
      if state.pending.isEmpty && (state.times.isEmpty || watermark == Int64.max) {
        groups[state.key] = nil
        return true
      }
      return false
    }
    earliestPending = nextEarliest
    typeWarnings += warnings
    guard !out.isEmpty else { return }
    let keyRange = 2..<(2 + layout.keyCount)
    out.sort { $0.t != $1.t ? $0.t < $1.t : GroupTable.keyLess($0.row[keyRange], $1.row[keyRange]) }
    windowsFired += out.count
    emit.emit(out.map(\.row), isFinal: true)
  }

  /// First index whose time is > t.
  static func upperBound(_ a: [Int64], _ t: Int64) -> Int {
    var lo = 0
    var hi = a.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if a[mid] <= t { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// First index whose time is ≥ t.
  static func lowerBound(_ a: [Int64], _ t: Int64) -> Int {
    var lo = 0
    var hi = a.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if a[mid] < t { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }
}
