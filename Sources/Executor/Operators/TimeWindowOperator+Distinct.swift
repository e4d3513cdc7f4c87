import Planner

/// Hopping windows whose every aggregate is a tracked COUNT(DISTINCT x), such as
///
///     SELECT COUNT(DISTINCT user_id) FROM clicks TIMESTAMP BY ts
///     WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)
///
/// A row falls in size/advance windows, but a value seen recently is already counted in most
/// of them. Its `DistinctTracker` entry marks the whole run of the row's open windows at once
/// and says which were new; only those windows are looked up and counted. A window the value
/// was already counted in needs nothing: counting it there created the row's group in it, and
/// a window that has fired is never added to again (the watermark only grows).
extension TimeWindowOperator {
  func processDistinct(_ batch: RowBatch, emit: inout Emitter) {
    guard let size else { return }
    let trackedCount = tracked.count
    let keyCount = layout.keyCount
    let valueSlots = tracked.map { layout.argumentOffsets[$0] }
    var numbers = WindowNumbers(size: size, advance: advance)
    let hasher = KeyHasher()
    let windowsPerRow = size % advance == 0 ? size / advance : 0
    // Without GROUP BY every row has the same (empty) key: hash it once.
    let emptyKeyHash = keyCount == 0 ? GroupTable.hash(UnsafeBufferPointer(start: nil, count: 0)) : 0
    // The trackers leave the property for the batch, so that each use is not a checked access
    // to a class's array (nothing called below reads `self.trackers`).
    var trackers = self.trackers
    self.trackers = []
    defer { self.trackers = trackers }
    // Without GROUP BY each window has one group: its new values are counted per batch.
    let countsPending = keyCount == 0
    let pending = PendingWindowCounts(width: trackedCount)
    let trackedCells = self.trackedCells
    let addPending = { (window: Int64, counts: UnsafeBufferPointer<Int64>) in
      let table = self.table(window * self.advance, number: window)
      let g = table.group(for: UnsafeBufferPointer(start: nil, count: 0), hash: emptyKeyHash)
      for (c, n) in zip(trackedCells, counts) where n > 0 {
        table.countTracked(group: g, cell: c, by: n)
      }
    }
    defer {
      pending.flushAll(addPending)
      pending.deallocate()
    }
    trackers.withUnsafeMutableBufferPointer { trackers in
      batch.forEachRow { i, row in
        let t = batch.times[i]
        let high = numbers.number(of: t)
        // Windows whose end is above the watermark have not fired: numbers from oldestOpen on.
        let oldestOpen = numbers.oldestOpen(batch.watermarks[i])
        // The row's windows: [k·advance, k·advance + size) holds t for k in low...high. When
        // size is a multiple of advance that is the last size/advance windows up to high.
        let first =
          windowsPerRow > 0 ? high &- windowsPerRow &+ 1 : Timestamp.floorDiv(t - size, advance) + 1
        let low = max(first, oldestOpen)
        guard low <= high else {
          emit.late.append(batch.lines[i])
          return
        }
        let key = UnsafeBufferPointer(rebasing: row[0..<keyCount])
        let hash = keyCount == 0 ? emptyKeyHash : hasher.key(key)
        let values = row.baseAddress!
        for j in 0..<trackedCount where values[valueSlots[j]].isNull {
          addWithNull(row, hash: hash, high: high, low: low, oldestOpen: oldestOpen, &trackers)
          return
        }
        for j in 0..<trackedCount {
          let e = trackers[j].entry(
            group: key, groupHash: hash, at: values + valueSlots[j],
            firstWindow: high &+ numbers.entryBaseOffset)
          if let fresh = trackers[j].markRange(e, from: low, through: high, oldestOpen: oldestOpen) {
            var bits = fresh
            while bits != 0 {
              let window = low &+ Int64(bits.trailingZeroBitCount)
              bits &= bits &- 1
              if countsPending {
                if !pending.increment(window: window, j) {
                  pending.claim(window, flush: addPending)
                  _ = pending.increment(window: window, j)
                }
              } else {
                countOnce(trackedCells[j], window: window, row: row, hash: hash)
              }
            }
          } else {
            // The run leaves the entry's mask: window by window, newest first, as `add` does.
            var window = high
            while window >= low {
              if trackers[j].mark(e, window: window, oldestOpen: oldestOpen) {
                countOnce(trackedCells[j], window: window, row: row, hash: hash)
              }
              window -= 1
            }
          }
        }
      }
    }
  }

  /// A row with a NULL among its tracked values, in windows `low` through `high`. A NULL counts
  /// nowhere, yet its row makes its group exist in every open window: what `add` does with no
  /// plain aggregate, window by window, newest first.
  private func addWithNull(
    _ row: UnsafeBufferPointer<Value>, hash: Int, high: Int64, low: Int64, oldestOpen: Int64,
    _ trackers: inout UnsafeMutableBufferPointer<DistinctTracker>
  ) {
    let key = UnsafeBufferPointer(rebasing: row[0..<layout.keyCount])
    let entries = tracked.indices.map { j in
      let value = row[layout.argumentOffsets[tracked[j]]]
      return value.isNull
        ? -1
        : trackers[j].entry(
          group: key, groupHash: hash, value: value,
          firstWindow: high &+ WindowNumbers(size: size!, advance: advance).entryBaseOffset)
    }
    var window = high
    while window >= low {
      let table = self.table(window * advance, number: window)
      let g = table.group(for: row, hash: hash)
      for j in tracked.indices where entries[j] >= 0 {
        if trackers[j].mark(entries[j], window: window, oldestOpen: oldestOpen) {
          table.countTracked(group: g, cell: trackedCells[j])
        }
      }
      window -= 1
    }
  }

  /// Adds one to the tracked count in cell `c` of the row's group in window number `window`.
  @inline(__always)
  private func countOnce(_ c: Int, window: Int64, row: UnsafeBufferPointer<Value>, hash: Int) {
    let table = self.table(window * advance, number: window)
    table.countTracked(group: table.group(for: row, hash: hash), cell: c)
  }
}
