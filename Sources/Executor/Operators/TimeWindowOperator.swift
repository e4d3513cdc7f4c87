import Planner

/// Tumbling and hopping windows on event (or processing) time, and the single window of an
/// unwindowed aggregate.
///
/// A row at time t belongs to every window [k·advance, k·advance + size) containing t; it is
/// added to those that have not fired (end > the watermark when it arrived), and is late when
/// there are none. A window fires once the watermark reaches its end.
public final class TimeWindowOperator: WindowOperator {
  let layout: AggregateLayout
  /// nil for the whole-input window of an unwindowed aggregate.
  let size: Int64?
  let advance: Int64
  let emitsChanges: Bool
  // Internal, not private: TimeWindowOperator+Checkpoint.swift saves and restores the state.
  var windows: [Int64: GroupTable] = [:] {
    // Any change (a window opened or fired, a restore) empties the lookup cache below.
    didSet { recent.clear() }
  }
  /// The tables of the windows looked up last: a row of a hopping window touches size/advance
  /// of them, and a dictionary lookup each cost more than the rest of the row.
  private var recent = RecentWindows()
  /// Windows changed in the current batch, in first-changed order (EMIT CHANGES).
  private var changedWindows: [Int64] = []
  var typeWarnings = 0
  /// Where `processDistinct` leaves the words its cache-warming loads read, so that the
  /// compiler keeps the loads (`DistinctTracker.touch`).
  var touchSink: UInt64 = 0
  var windowsFired = 0
  /// COUNT(DISTINCT x) of a windowed query: aggregate index, its tracker, and its cell in a
  /// group's state.
  let tracked: [Int]
  var trackers: [DistinctTracker]
  let trackedCells: [Int]
  /// Where each aggregate's state lives in a window's `GroupTable`.
  let shape: GroupStateLayout
  /// Every aggregate is a tracked COUNT(DISTINCT) and no change is emitted per row: rows go
  /// through `processDistinct`, which touches only the windows a value is new in.
  let countsOnlyDistinct: Bool

  public init(layout: AggregateLayout, size: Int64?, advance: Int64?, emitsChanges: Bool) {
    self.layout = layout
    self.size = size
    self.advance = advance ?? size ?? 1
    self.emitsChanges = emitsChanges
    var plainCount = 0
    var tracked: [Int] = []
    for (i, call) in layout.aggregates.enumerated() {
      let countsDistinct =
        (call.function == .count && call.distinct) || call.function == .approxCountDistinct
      if size != nil && countsDistinct && call.arguments.count == 1 {
        tracked.append(i)
      } else {
        plainCount += 1
      }
    }
    self.tracked = tracked
    countsOnlyDistinct = plainCount == 0 && !tracked.isEmpty && !emitsChanges
    trackers = tracked.map { _ in DistinctTracker(width: layout.keyCount + 1) }
    shape = GroupStateLayout(layout: layout, tracked: Set(tracked))
    trackedCells = tracked.map { [shape] in shape.cell(of: $0) }
  }

  var openWindowCount: Int { windows.count }
  var stateGroupCount: Int { windows.values.reduce(0) { $0 + $1.count } }
  var stateRowCount: Int { windows.values.reduce(0) { $0 + $1.count } }

  /// The group table of the window starting at `start`, created when new. `number` is
  /// start / advance when the caller knows it.
  @inline(__always)
  func table(_ start: Int64, number: Int64? = nil) -> GroupTable {
    let number = number ?? Timestamp.floorDiv(start, advance)
    if let t = recent.table(start, number: number) { return t }
    if let t = windows[start] {
      recent.remember(start, number: number, t)
      return t
    }
    let t = GroupTable(keyWidth: layout.keyCount, shape: shape)
    windows[start] = t
    recent.remember(start, number: number, t)
    return t
  }

  public func process(_ batch: RowBatch, emit: inout Emitter) throws {
    if countsOnlyDistinct && size != nil {
      processDistinct(batch, emit: &emit)
      return
    }
    if isPlain {
      processPlain(batch, emit: &emit)
      return
    }
    var warnings = 0
    var entries = [Int](repeating: 0, count: tracked.count)
    var numbers = WindowNumbers(size: size ?? 1, advance: advance)
    let hasher = KeyHasher()
    // The table of the window added to last, unretained (`windows` holds it for the batch):
    // the rows of a tumbling window go to one table, found and retained per row before.
    var lastStart = Int64.min
    var lastTable: Unmanaged<GroupTable>? = nil
    batch.forEachRow { i, row in
      let t = batch.times[i]
      let key = UnsafeBufferPointer(rebasing: row[0..<layout.keyCount])
      let hash = hasher.key(key)
      guard let size else {
        add(
          row, hash: hash, time: t, to: table(0), start: 0, window: 0, entries: entries,
          oldestOpen: 0, warnings: &warnings)
        return
      }
      let watermark = batch.watermarks[i]
      let high = numbers.number(of: t)
      let newest = high * advance
      // Windows whose end is above the watermark have not fired: numbers from oldestOpen on.
      let oldestOpen = numbers.oldestOpen(watermark)
      for (j, a) in tracked.enumerated() {
        let value = row[layout.argumentOffsets[a]]
        if value.isNull {
          entries[j] = -1
          continue
        }
        entries[j] = trackers[j].entry(
          group: key, groupHash: hash, value: value, firstWindow: high + numbers.entryBaseOffset)
      }
      var start = newest
      var window = high
      var added = false
      while start > t - size {
        if start + size > watermark {
          if start != lastStart || lastTable == nil {
            lastTable = Unmanaged.passUnretained(table(start, number: window))
            lastStart = start
          }
          lastTable.unsafelyUnwrapped._withUnsafeGuaranteedRef { table in
            add(
              row, hash: hash, time: t, to: table, start: start, window: window,
              entries: entries, oldestOpen: oldestOpen, warnings: &warnings)
          }
          added = true
        }
        start -= advance
        window -= 1
      }
      if !added { emit.late.append(batch.lines[i]) }
    }
    typeWarnings += warnings
    if emitsChanges { flushChanges(&emit) }
  }

  /// Adds `row` to its group in `table`, the table of the window starting at `start`, number
  /// `window`.
  @inline(__always)
  func add(
    _ row: UnsafeBufferPointer<Value>, hash: Int, time: Int64, to table: GroupTable,
    start: Int64, window: Int64, entries: [Int], oldestOpen: Int64, warnings: inout Int
  ) {
    let g = table.group(for: row, hash: hash)
    table.add(row, group: g, time: time, warnings: &warnings)
    if !tracked.isEmpty {
      for j in tracked.indices where entries[j] >= 0 {
        if trackers[j].mark(entries[j], window: window, oldestOpen: oldestOpen) {
          table.countTracked(group: g, cell: trackedCells[j])
        }
      }
    }
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

  public func onWatermark(_ watermark: Int64, emit: inout Emitter) throws {
    guard let size else { return }
    let closing = windows.keys.filter { $0 + size <= watermark }.sorted()
    for start in closing { fire(start, &emit) }
    if !closing.isEmpty && !trackers.isEmpty {
      let oldestOpen = Timestamp.floorDiv(watermark - size, advance) + 1
      for j in trackers.indices { trackers[j].sweep(oldestOpen: oldestOpen) }
    }
  }

  public func finish(emit: inout Emitter) throws {
    if size == nil && layout.keyCount == 0 && windows.isEmpty {
      // An aggregate over the whole input without GROUP BY has one row even when the input was
      // empty (COUNT(*) = 0), as in every SQL engine.
      let empty: [Value] = []
      empty.withUnsafeBufferPointer { _ = table(0).group(for: $0, hash: 0) }
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
