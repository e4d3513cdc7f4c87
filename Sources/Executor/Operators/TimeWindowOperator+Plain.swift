import Planner

/// Tumbling and hopping windows with no tracked COUNT(DISTINCT) and no EMIT CHANGES, such as
///
///     SELECT country, COUNT(*), SUM(amount), AVG(latency_ms) FROM stdin TIMESTAMP BY ts
///     WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY country
///
/// `process`'s general loop also keeps per row what only tracked counts and EMIT CHANGES use
/// (the oldest open window, the trackers' entries, the changed windows), and holds them in
/// registers or on the stack throughout. This loop is that one without them: a row's key is
/// hashed at most once, then added to its group in each of its open windows (newest first), or
/// is late when it has none; a short string key's group is found through `RecentGroups` when it
/// was seen recently in the window. What it does to the tables is exactly what `process` does.
extension TimeWindowOperator {
  /// True when `processPlain` handles this operator's rows.
  var isPlain: Bool { size != nil && tracked.isEmpty && !emitsChanges }

  func processPlain(_ batch: RowBatch, emit: inout Emitter) {
    guard let size else { return }
    let advance = self.advance
    let keyCount = layout.keyCount
    var warnings = 0
    var numbers = WindowNumbers(size: size, advance: advance)
    let hasher = KeyHasher()
    // The table of the window added to last, unretained (`windows` holds it for the batch).
    var lastStart = Int64.min
    var lastTable: Unmanaged<GroupTable>? = nil
    // One short string key: groups found through `RecentGroups` by the key's packed words.
    let packsKeys = keyCount == 1 && ValueLayout.isAvailable && SmallASCIIString.isAvailable
    let stringTag = ValueLayout.stringTagByte
    let recentGroups = RecentGroups()
    defer { recentGroups.deallocate() }
    batch.times.withUnsafeBufferPointer { times in
      batch.watermarks.withUnsafeBufferPointer { watermarks in
        batch.forEachRow { i, row in
          let t = times[i]
          let watermark = watermarks[i]
          var packed: (UInt64, UInt64)? = nil
          if packsKeys, let p = row.baseAddress, ValueLayout.isString(at: p, tag: stringTag) {
            let (low, high) = ValueLayout.stringWords(at: p)
            packed = ValueHash.packedSmall(low, high)
          }
          // Hashed when a group is looked up in a table (without `packed`, or on a miss).
          var hash = 0
          var hashed = false
          var window = numbers.number(of: t)
          var start = window * advance
          var added = false
          while start > t - size {
            if start + size > watermark {
              if start != lastStart || lastTable == nil {
                lastTable = Unmanaged.passUnretained(table(start, number: window))
                lastStart = start
              }
              lastTable.unsafelyUnwrapped._withUnsafeGuaranteedRef { table in
                if let packed, let g = recentGroups.group(window: window, key: packed) {
                  table.add(row, group: g, time: t, warnings: &warnings)
                  return
                }
                if !hashed {
                  hash = hasher.key(UnsafeBufferPointer(start: row.baseAddress, count: keyCount))
                  hashed = true
                }
                let g = table.group(for: row, hash: hash)
                if let packed { recentGroups.remember(window: window, key: packed, group: g) }
                table.add(row, group: g, time: t, warnings: &warnings)
              }
              added = true
            }
            start -= advance
            window -= 1
          }
          if !added { emit.late.append(batch.lines[i]) }
        }
      }
    }
    typeWarnings += warnings
  }
}
