import Planner

/// Session windows (SPEC 5): per group, rows at most `gap` apart chain into one session
/// [first, last + gap); rows exactly `gap` apart chain, as in Flink.
///
/// A row is late when t + gap ≤ W. Otherwise it merges with every open session of its group that
/// [t, t + gap] touches (a row can bridge two sessions into one). A session fires once the
/// watermark reaches last + gap.
public final class SessionWindowOperator: WindowOperator {
  final class Session {
    var start: Int64
    var last: Int64
    var states: [Accumulator]
    init(start: Int64, last: Int64, states: [Accumulator]) {
      self.start = start
      self.last = last
      self.states = states
    }
  }

  let layout: AggregateLayout
  let gap: Int64
  // Internal, not private: WindowOperators+Checkpoint.swift saves and restores the state.
  var sessions: [[Value]: [Session]] = [:]
  /// Groups in first-seen order, so output order does not depend on hashing.
  var groupOrder: [[Value]] = []
  /// The earliest end of any open session, to skip scans when nothing can fire.
  var earliestEnd = Int64.max
  var typeWarnings = 0
  var windowsFired = 0

  public init(layout: AggregateLayout, gap: Int64) {
    self.layout = layout
    self.gap = gap
  }

  var openWindowCount: Int { sessions.values.reduce(0) { $0 + $1.count } }
  var stateGroupCount: Int { sessions.values.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) } }
  var stateRowCount: Int { openWindowCount }

  public func process(_ batch: RowBatch, emit: inout Emitter) throws {
    var warnings = 0
    batch.forEachRow { i, row in
      let t = batch.times[i]
      let watermark = batch.watermarks[i]
      if t + gap <= watermark {
        emit.late.append(batch.lines[i])
        return
      }
      let key = layout.key(row)
      var list = sessions[key] ?? []
      if list.isEmpty && sessions[key] == nil { groupOrder.append(key) }
      // Sessions that fired (end ≤ W) are closed even if not yet emitted: never merge into them.
      var merged: Session?
      var kept: [Session] = []
      for s in list {
        let open = s.last + gap > watermark
        if open && s.start <= t + gap && t <= s.last + gap {
          if let m = merged {
            m.start = min(m.start, s.start)
            m.last = max(m.last, s.last)
            for (a, acc) in m.states.enumerated() { acc.merge(s.states[a]) }
          } else {
            merged = s
          }
        } else {
          kept.append(s)
        }
      }
      let session =
        merged ?? Session(start: t, last: t, states: layout.aggregates.map { $0.makeAccumulator() })
      session.start = min(session.start, t)
      session.last = max(session.last, t)
      layout.add(row, time: t, to: session.states, warnings: &warnings)
      kept.append(session)
      list = kept
      sessions[key] = list
      earliestEnd = min(earliestEnd, session.last + gap)
    }
    typeWarnings += warnings
  }

  public func onWatermark(_ watermark: Int64, emit: inout Emitter) throws {
    guard watermark >= earliestEnd else { return }
    fire(upTo: watermark, &emit)
  }

  public func finish(emit: inout Emitter) throws {
    fire(upTo: Int64.max, &emit)
  }

  private func fire(upTo watermark: Int64, _ emit: inout Emitter) {
    var fired: [(end: Int64, start: Int64, order: Int, row: [Value])] = []
    var nextEarliest = Int64.max
    var remainingGroups: [[Value]] = []
    for (order, key) in groupOrder.enumerated() {
      guard let list = sessions[key] else { continue }
      var open: [Session] = []
      for s in list {
        let end = s.last + gap
        if end <= watermark {
          var row: [Value] = [.timestamp(s.start), .timestamp(end)]
          row.append(contentsOf: key)
          for acc in s.states { row.append(acc.result) }
          fired.append((end, s.start, order, row))
        } else {
          open.append(s)
          nextEarliest = min(nextEarliest, end)
        }
      }
      if open.isEmpty {
        sessions[key] = nil
      } else {
        sessions[key] = open
        remainingGroups.append(key)
      }
    }
    groupOrder = remainingGroups
    earliestEnd = nextEarliest
    guard !fired.isEmpty else { return }
    let keyRange = 2..<(2 + layout.keyCount)
    fired.sort {
      if $0.end != $1.end { return $0.end < $1.end }
      if $0.start != $1.start { return $0.start < $1.start }
      return GroupTable.keyLess($0.row[keyRange], $1.row[keyRange])
    }
    windowsFired += fired.count
    emit.emit(fired.map(\.row), isFinal: true)
  }
}
