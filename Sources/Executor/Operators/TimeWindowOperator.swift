import Planner

/// Tumbling and hopping windows on event (or processing) time, and the single window of an
/// unwindowed aggregate.
///
/// A row at time t belongs to every window [k·advance, k·advance + size) containing t; it is
/// added to those that have not fired (end > the watermark when it arrived), and is late when
/// there are none. A window fires once the watermark reaches its end.
final class TimeWindowOperator: WindowOperator {
  let layout: AggregateLayout
  /// nil for the whole-input window of an unwindowed aggregate.
  let size: Int64?
  let advance: Int64
  let emitsChanges: Bool
  private var windows: [Int64: GroupTable] = [:]
  /// Windows changed in the current batch, in first-changed order (EMIT CHANGES).
  private var changedWindows: [Int64] = []
  private(set) var typeWarnings = 0
  private(set) var windowsFired = 0

  init(layout: AggregateLayout, size: Int64?, advance: Int64?, emitsChanges: Bool) {
    self.layout = layout
    self.size = size
    self.advance = advance ?? size ?? 1
    self.emitsChanges = emitsChanges
  }

  var openWindowCount: Int { windows.count }

  private func table(_ start: Int64) -> GroupTable {
    if let t = windows[start] { return t }
    let t = GroupTable(keyWidth: layout.keyCount)
    windows[start] = t
    return t
  }

  func process(_ batch: RowBatch, emit: inout Emitter) throws {
    var warnings = 0
    batch.forEachRow { i, row in
      let t = batch.times[i]
      let hash = GroupTable.hash(UnsafeBufferPointer(rebasing: row[0..<layout.keyCount]))
      guard let size else {
        add(row, hash: hash, time: t, start: 0, warnings: &warnings)
        return
      }
      let watermark = batch.watermarks[i]
      var start = Timestamp.floorDiv(t, advance) * advance
      var added = false
      while start > t - size {
        if start + size > watermark {
          add(row, hash: hash, time: t, start: start, warnings: &warnings)
          added = true
        }
        start -= advance
      }
      if !added { emit.late.append(batch.lines[i]) }
    }
    typeWarnings += warnings
    if emitsChanges { flushChanges(&emit) }
  }

  @inline(__always)
  private func add(_ row: UnsafeBufferPointer<Value>, hash: Int, time: Int64, start: Int64, warnings: inout Int) {
    let table = self.table(start)
    let g = table.group(for: row, hash: hash, aggregates: layout.aggregates)
    layout.add(row, time: time, to: table.states[g], warnings: &warnings)
    if emitsChanges {
      if !changedWindows.contains(start) { changedWindows.append(start) }
      table.markDirty(g)
    }
  }

  private func bounds(_ start: Int64) -> (Value, Value) {
    guard let size else { return (.null, .null) }
    return (.timestamp(start), .timestamp(start + size))
  }

  private func flushChanges(_ emit: inout Emitter) {
    for start in changedWindows {
      guard let table = windows[start] else { continue }
      let (s, e) = bounds(start)
      emit.emit(table.takeDirty().map { table.row($0, start: s, end: e) }, isFinal: false)
    }
    changedWindows.removeAll(keepingCapacity: true)
  }

  func onWatermark(_ watermark: Int64, emit: inout Emitter) throws {
    guard let size else { return }
    let closing = windows.keys.filter { $0 + size <= watermark }.sorted()
    for start in closing { fire(start, &emit) }
  }

  func finish(emit: inout Emitter) throws {
    if size == nil && layout.keyCount == 0 && windows.isEmpty {
      // An aggregate over the whole input without GROUP BY has one row even when the input was
      // empty (COUNT(*) = 0), as in every SQL engine.
      let empty: [Value] = []
      empty.withUnsafeBufferPointer { _ = table(0).group(for: $0, hash: 0, aggregates: layout.aggregates) }
    }
    for start in windows.keys.sorted() { fire(start, &emit) }
  }

  private func fire(_ start: Int64, _ emit: inout Emitter) {
    guard let table = windows.removeValue(forKey: start) else { return }
    let (s, e) = bounds(start)
    windowsFired += 1
    emit.emit(table.rows(start: s, end: e), isFinal: true)
  }
}
