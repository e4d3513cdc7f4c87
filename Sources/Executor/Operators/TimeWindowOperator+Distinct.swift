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
    // The tracked values' slots, and below the batch's times and watermarks, through buffer
    // pointers: the row loops index them without bounds checks.
    let valueSlots = UnsafeMutableBufferPointer<Int>.allocate(capacity: trackedCount)
    _ = valueSlots.initialize(from: tracked.map { layout.argumentOffsets[$0] })
    defer { valueSlots.deallocate() }
    var numbers = WindowNumbers(size: size, advance: advance)
    let hasher = KeyHasher()
    let windowsPerRow = size % advance == 0 ? size / advance : 0
    // Without GROUP BY every row has the same (empty) key: hash it once.
    let emptyKeyHash =
      keyCount == 0 ? GroupTable.hash(UnsafeBufferPointer(start: nil, count: 0)) : 0
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
    let rowCount = batch.count
    let width = batch.width
    // Rows go by chunks: first each row's probes are computed, then their first slots loaded
    // in a short loop whose cache misses overlap (`DistinctTracker.touch`), then the rows are
    // counted, their slots in the cache.
    let chunk = 64
    var probes = [DistinctTracker.Probe](repeating: .init(), count: chunk * trackedCount)
    var groupHashes = [Int](repeating: 0, count: chunk)
    // Per row of the chunk: some tracked value is NULL (found by the probe loop).
    var rowHasNull = [Bool](repeating: false, count: chunk)
    batch.withValues { all in
      batch.starts.withUnsafeBufferPointer { starts in
        probes.withUnsafeMutableBufferPointer { probes in
          groupHashes.withUnsafeMutableBufferPointer { groupHashes in
            trackers.withUnsafeMutableBufferPointer { trackers in
              rowHasNull.withUnsafeMutableBufferPointer { rowHasNull in
                batch.times.withUnsafeBufferPointer { times in
                  batch.watermarks.withUnsafeBufferPointer { watermarks in
                    // Tracked values make rows non-empty: no values means no rows.
                    guard let base = all.baseAddress else { return }
                    var sink: UInt64 = 0
                    defer { touchSink = sink }
                    var i0 = 0
                    while i0 < rowCount {
                      let i1 = min(rowCount, i0 + chunk)
                      for i in i0..<i1 {
                        let values = base + Int(starts[i])
                        let hash =
                          keyCount == 0
                          ? emptyKeyHash
                          : hasher.key(UnsafeBufferPointer(start: values, count: keyCount))
                        groupHashes[i &- i0] = hash
                        var hasNull = false
                        for j in 0..<trackedCount {
                          if values[valueSlots[j]].isNull {
                            hasNull = true
                            continue
                          }
                          let probe = trackers[j].probe(groupHash: hash, at: values + valueSlots[j])
                          probes[(i &- i0) &* trackedCount &+ j] = probe
                        }
                        rowHasNull[i &- i0] = hasNull
                      }
                      // (A NULL's probe is left from an earlier row: loading its slot is harmless.)
                      for j in 0..<trackedCount {
                        sink ^= trackers[j].touch(
                          probes.baseAddress! + j, count: i1 &- i0, stride: trackedCount)
                      }
                      for i in i0..<i1 {
                        let row = UnsafeBufferPointer(start: base + Int(starts[i]), count: width)
                        let t = times[i]
                        let high = numbers.number(of: t)
                        // Windows whose end is above the watermark have not fired: numbers from
                        // oldestOpen on.
                        let oldestOpen = numbers.oldestOpen(watermarks[i])
                        // The row's windows: [k·advance, k·advance + size) holds t for k in
                        // low...high. When size is a multiple of advance that is the last
                        // size/advance windows up to high.
                        let first =
                          windowsPerRow > 0
                          ? high &- windowsPerRow &+ 1 : Timestamp.floorDiv(t - size, advance) + 1
                        let low = max(first, oldestOpen)
                        guard low <= high else {
                          emit.late.append(batch.lines[i])
                          continue
                        }
                        let key = UnsafeBufferPointer(start: row.baseAddress, count: keyCount)
                        let hash = groupHashes[i &- i0]
                        let values = row.baseAddress!
                        if rowHasNull[i &- i0] {
                          addWithNull(
                            row, hash: hash, high: high, low: low, oldestOpen: oldestOpen, &trackers
                          )
                          continue
                        }
                        for j in 0..<trackedCount {
                          let e = trackers[j].entry(
                            probes[(i &- i0) &* trackedCount &+ j], group: key,
                            at: values + valueSlots[j], firstWindow: high &+ numbers.entryBaseOffset
                          )
                          let fresh = trackers[j].markRange(
                            e, from: low, through: high, oldestOpen: oldestOpen)
                          if let fresh {
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
                            // The run leaves the entry's mask: window by window, newest first, as
                            // `add` does.
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
                      i0 = i1
                    }
                  }
                }
              }
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
