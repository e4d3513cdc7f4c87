import Planner

/// COUNT(DISTINCT x) over hopping windows without a set per window.
///
/// Every engine measured (DuckDB, Flink) fans each event out to its d/a windows and inserts the
/// value into each window's set. Here each (group, value) is looked up once per event and keeps
/// a 64-bit mask of the windows it is already counted in; the event then flips the bits of the
/// open windows it falls in, and each newly set bit adds one to that window's count.
///
/// Windows are numbered by start / advance. The mask covers 64 consecutive windows from `base`;
/// when a value moves past them, the mask slides forward. Bits of windows that are still open
/// when they slide out, and windows below `base`, go to a small overflow set, so the count stays
/// exact whatever the disorder. Entries whose windows have all fired are swept away, so state
/// is bounded by the values seen in open windows.
///
/// - Complexity: one hash lookup per event and aggregate, then O(d/a) bit operations.
struct DistinctTracker {
  /// What a lookup touches of an entry besides its key, side by side so that a lookup costs
  /// one cache miss here rather than one per array (the table outgrows the caches: ~100k
  /// values for a day's users).
  struct Entry {
    /// Hash of (group, value).
    var hash: Int
    /// Window number of bit 0 of `mask`.
    var base: Int64
    /// Bit b: counted in window `base + b`.
    var mask: UInt64
  }

  /// Values per entry: the group key and the distinct value.
  let width: Int
  var keys: [Value] = []
  var entries: [Entry] = []
  var overflow: [Int: Set<Int64>] = [:]
  /// Open addressing: entry + 1, or 0 for an empty bucket.
  private var buckets: [Int32] = Array(repeating: 0, count: 1024)
  // Internal, not private: DistinctTracker+Checkpoint.swift saves and restores them.
  /// Entry count after the last sweep; the next sweep waits until it has doubled.
  var sweptCount = 0

  init(width: Int) {
    self.width = width
  }

  var count: Int { entries.count }

  /// The hash of (group, value) that `entry` expects, from the group key's `GroupTable.hash`.
  @inline(__always)
  static func hash(group: Int, _ value: Value) -> Int {
    ValueHash.entry(group: group, value)
  }

  /// The entry of (`group`, `value`), created on first sight; `hash` covers both.
  mutating func entry(
    group: UnsafeBufferPointer<Value>, value: Value, hash: Int, firstWindow: Int64
  ) -> Int {
    let mask = buckets.count - 1
    var i = hash & mask
    while true {
      let entry = Int(buckets[i])
      if entry == 0 { break }
      let e = entry - 1
      if entries[e].hash == hash && same(e, group, value) { return e }
      i = (i + 1) & mask
    }
    let e = entries.count
    keys.append(contentsOf: group)
    keys.append(value)
    entries.append(Entry(hash: hash, base: firstWindow, mask: 0))
    buckets[i] = Int32(e + 1)
    if entries.count * 2 > buckets.count { rehash(capacity: buckets.count * 2) }
    return e
  }

  @inline(__always)
  private func same(_ e: Int, _ group: UnsafeBufferPointer<Value>, _ value: Value) -> Bool {
    let base = e * width
    if keys[base + width - 1] != value { return false }
    for k in 0..<width - 1 where keys[base + k] != group[k] { return false }
    return true
  }

  /// Counts entry `e` in window `window`; true if it was not counted there yet.
  /// `oldestOpen` is the lowest window number that has not fired.
  @inline(__always)
  mutating func mark(_ e: Int, window: Int64, oldestOpen: Int64) -> Bool {
    var base = entries[e].base
    if window < base { return overflow[e, default: []].insert(window).inserted }
    if window - base >= 64 {
      slide(e, to: window - 63, oldestOpen: oldestOpen)
      base = window - 63
    }
    let bit = UInt64(1) << UInt64(window - base)
    if entries[e].mask & bit != 0 { return false }
    entries[e].mask |= bit
    return true
  }

  /// Moves entry `e`'s mask to start at window `newBase` (above its base); the bits that fall
  /// out, of windows still open (from `oldestOpen`), go to the overflow set.
  private mutating func slide(_ e: Int, to newBase: Int64, oldestOpen: Int64) {
    let base = entries[e].base
    let shift = newBase - base
    let mask = entries[e].mask
    let dropped = shift >= 64 ? mask : mask & ((UInt64(1) << UInt64(shift)) - 1)
    if dropped != 0 {
      // Keep the bits of windows that are still open.
      var bits = dropped
      while bits != 0 {
        let b = Int64(bits.trailingZeroBitCount)
        if base + b >= oldestOpen { overflow[e, default: []].insert(base + b) }
        bits &= bits - 1
      }
    }
    entries[e].mask = shift >= 64 ? 0 : mask >> UInt64(shift)
    entries[e].base = newBase
  }

  /// Counts entry `e` in every window from `low` through `high` at once; returns the windows
  /// it was not counted in yet, bit b for window `low + b`. When `high` is past the mask, the
  /// mask first slides to end at `high`, as `mark(high)` slides it. Nil, with nothing changed,
  /// when the range starts below the mask or spans more than 64 windows (the caller then marks
  /// window by window).
  ///
  /// The same as calling `mark` for each window of the range, newest first: inside the mask a
  /// window's bit is the whole truth (the overflow set only holds windows below `base`).
  @inline(__always)
  mutating func markRange(
    _ e: Int, from low: Int64, through high: Int64, oldestOpen: Int64
  ) -> UInt64? {
    var base = entries[e].base
    guard low >= base, low <= high, high &- low < 64 else { return nil }
    if high &- base >= 64 {
      slide(e, to: high - 63, oldestOpen: oldestOpen)
      base = high - 63
    }
    let count = high &- low &+ 1
    let run = count == 64 ? ~UInt64(0) : (UInt64(1) << UInt64(count)) &- 1
    let shift = UInt64(low &- base)
    let fresh = (run << shift) & ~entries[e].mask
    if fresh != 0 { entries[e].mask |= fresh }
    return fresh >> shift
  }

  /// Drops entries counted only in windows below `oldestOpen` (all fired), once the table has
  /// doubled since the last sweep.
  mutating func sweep(oldestOpen: Int64) {
    guard entries.count > max(4096, sweptCount * 2) else { return }
    // Entries kept alive by an open window in their overflow set (few: found from the set).
    var liveOverflow = [Bool](repeating: false, count: entries.count)
    for (e, extra) in overflow where extra.contains(where: { $0 >= oldestOpen }) {
      liveOverflow[e] = true
    }
    var keep: [Int] = []
    keep.reserveCapacity(entries.count)
    for e in 0..<entries.count {
      let live: Bool
      let entry = entries[e]
      if liveOverflow[e] {
        live = true
      } else if entry.base + 63 < oldestOpen {
        live = false
      } else {
        let shift = max(0, oldestOpen - entry.base)
        live = (entry.mask >> UInt64(shift)) != 0
      }
      if live { keep.append(e) }
    }
    var newKeys: [Value] = []
    newKeys.reserveCapacity(keep.count * width)
    var newNumber = [Int](repeating: -1, count: entries.count)
    for (n, e) in keep.enumerated() {
      newKeys.append(contentsOf: keys[e * width..<(e + 1) * width])
      newNumber[e] = n
    }
    var newOverflow: [Int: Set<Int64>] = [:]
    for (e, extra) in overflow where newNumber[e] >= 0 { newOverflow[newNumber[e]] = extra }
    keys = newKeys
    entries = keep.map { entries[$0] }
    overflow = newOverflow
    var capacity = 1024
    while capacity < entries.count * 2 { capacity *= 2 }
    rehash(capacity: capacity)
    sweptCount = entries.count
  }

  private mutating func rehash(capacity: Int) {
    var next = [Int32](repeating: 0, count: capacity)
    let mask = capacity - 1
    for (e, entry) in entries.enumerated() {
      var i = entry.hash & mask
      while next[i] != 0 { i = (i + 1) & mask }
      next[i] = Int32(e + 1)
    }
    buckets = next
  }
}
