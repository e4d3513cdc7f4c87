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
    var warnings = 0
    var entries = [Int](repeating: 0, count: tracked.count)
    batch.forEachRow { i, row in
      let t = batch.times[i]
      let key = UnsafeBufferPointer(rebasing: row[0..<layout.keyCount])
      let hash = GroupTable.hash(key)
      let watermark = batch.watermarks[i]
      let high = Timestamp.floorDiv(t, advance)
      let newest = high * advance
      // Windows whose end is above the watermark have not fired: numbers from oldestOpen on.
      let oldestOpen =
        watermark == Int64.min ? Int64.min : Timestamp.floorDiv(watermark - size, advance) + 1
      // The row's windows: [k·advance, k·advance + size) holds t for k in low...high.
      let low = max(Timestamp.floorDiv(t - size, advance) + 1, oldestOpen)
      guard low <= high else {
        emit.late.append(batch.lines[i])
        return
      }
      var hasNull = false
      for (j, a) in tracked.enumerated() {
        let value = row[layout.argumentOffsets[a]]
        if value.isNull {
          entries[j] = -1
          hasNull = true
          continue
        }
        var hasher = Hasher()
        hasher.combine(hash)
        hasher.combine(value)
        entries[j] = trackers[j].entry(
          group: key, value: value, hash: hasher.finalize(),
          firstWindow: Timestamp.floorDiv(newest - size, advance) + 1)
      }
      if hasNull {
        // A NULL counts nowhere, yet its row makes its group exist in every open window: add it
        // to each, as the general path does.
        var start = newest
        while start > t - size {
          if start + size > watermark {
            add(
              row, hash: hash, time: t, start: start, entries: entries, oldestOpen: oldestOpen,
              warnings: &warnings)
          }
          start -= advance
        }
        return
      }
      for (j, a) in tracked.enumerated() {
        let e = entries[j]
        if let fresh = trackers[j].markRange(e, from: low, through: high) {
          var bits = fresh
          while bits != 0 {
            let window = low + Int64(bits.trailingZeroBitCount)
            bits &= bits &- 1
            countOnce(a, window: window, row: row, hash: hash)
          }
        } else {
          // The run leaves the entry's mask: window by window, newest first, as `add` does.
          var window = high
          while window >= low {
            if trackers[j].mark(e, window: window, oldestOpen: oldestOpen) {
              countOnce(a, window: window, row: row, hash: hash)
            }
            window -= 1
          }
        }
      }
    }
    typeWarnings += warnings
  }

  /// Adds one to aggregate `a` of the row's group in window number `window`.
  @inline(__always)
  private func countOnce(_ a: Int, window: Int64, row: UnsafeBufferPointer<Value>, hash: Int) {
    let table = self.table(window * advance, number: window)
    let g = table.group(for: row, hash: hash)
    unsafeDowncast(table.states[g][a], to: TrackedCountAccumulator.self).count += 1
  }
}
