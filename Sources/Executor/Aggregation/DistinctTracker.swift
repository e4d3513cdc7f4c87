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
/// The table outgrows the caches (~100k values for a day's users), so a lookup is laid out to
/// cost one cache miss: a slot holds the window mask and, for a value that is a short ASCII
/// string without GROUP BY (a user id), the string's bytes themselves (`Slot`). Other keys
/// keep their hash in the slot and are compared with `keys` when the hash matches.
///
/// Entries are numbered in insertion order (`keys`, checkpoints, the overflow set); lookups
/// return a slot, valid until the next `entry` or `sweep`.
///
/// - Complexity: one hash lookup per event and aggregate, then O(d/a) bit operations.
struct DistinctTracker {
  /// One entry of the open-addressing table: 32 bytes, half a cache line.
  struct Slot {
    /// The packed string (`ValueHash.packedASCII`), or (hash, `spilled`) for a key kept only
    /// in `keys`; `word1` is 0 in an empty slot (a packed string's top byte is 0xE0 or more).
    var word0: UInt64 = 0
    var word1: UInt64 = 0
    /// Window number of bit 0 of `mask`.
    var base: Int64 = 0
    /// Bit b: counted in window `base + b`.
    var mask: UInt64 = 0
  }

  /// `Slot.word1` of a key that is not packed in its slot.
  private static let spilled: UInt64 = 1

  /// Values per entry: the group key and the distinct value.
  let width: Int
  /// Per entry, in insertion order: its `width` values.
  private(set) var keys: [Value] = []
  /// Per entry: its slot.
  private var slotOf: [Int32] = []
  private var table = DistinctSlots(capacity: 1024)
  /// Per entry number, windows it is counted in outside its mask.
  var overflow: [Int: Set<Int64>] = [:]
  // Internal, not private: DistinctTracker+Checkpoint.swift saves and restores it.
  /// Entry count after the last sweep; the next sweep waits until it has doubled.
  var sweptCount = 0
  /// `ValueHash.seed`, and whether a value's string can be read in place (`ValueLayout`,
  /// `SmallASCIIString`), read once rather than from lazy globals per row.
  private let seed = ValueHash.seed
  private let readsInPlace = ValueLayout.isAvailable && SmallASCIIString.isAvailable
  private let stringTag = ValueLayout.stringTagByte
  /// `GroupTable.hash` of the empty key: the group hash of every packed entry (packed keys
  /// have no GROUP BY values), from which `rehash` recomputes their hashes.
  private let noGroupHash = GroupTable.hash(UnsafeBufferPointer(start: nil, count: 0))

  init(width: Int) {
    self.width = width
  }

  var count: Int { slotOf.count }

  /// Entry `e`'s mask and its base (checkpoints).
  func state(of e: Int) -> (base: Int64, mask: UInt64) {
    let slot = table.slots[Int(slotOf[e])]
    return (slot.base, slot.mask)
  }

  /// The slot of (`group`, `value`), whose group key hashes to `groupHash`
  /// (`GroupTable.hash`); a new entry with mask base `firstWindow` on first sight.
  mutating func entry(
    group: UnsafeBufferPointer<Value>, groupHash: Int, value: Value, firstWindow: Int64
  ) -> Int {
    withUnsafePointer(to: value) { p in
      entry(group: group, groupHash: groupHash, at: p, firstWindow: firstWindow)
    }
  }

  /// `entry(group:groupHash:value:firstWindow:)` for the value at `p`, read in place: a short
  /// string is neither copied nor retained.
  @inline(__always)
  mutating func entry(
    group: UnsafeBufferPointer<Value>, groupHash: Int, at p: UnsafePointer<Value>,
    firstWindow: Int64
  ) -> Int {
    entry(probe(groupHash: groupHash, at: p), group: group, at: p, firstWindow: firstWindow)
  }

  /// What a lookup of a key compares slots with, and where it starts.
  struct Probe {
    /// `Slot.word0` and `Slot.word1` of the key's entry.
    var word0: UInt64 = 0
    var word1: UInt64 = 0
    /// Hash of (group, value).
    var hash = 0
  }

  /// The probe for (group, the value at `p`), whose group key hashes to `groupHash`.
  ///
  /// `mutating` though it changes nothing, as is `touch`: called on a tracker in a buffer, a
  /// non-mutating method got a copy of the tracker, retaining and releasing its arrays.
  @inline(__always)
  mutating func probe(groupHash: Int, at p: UnsafePointer<Value>) -> Probe {
    if width == 1 && readsInPlace && ValueLayout.isString(at: p, tag: stringTag) {
      let (low, high) = ValueLayout.stringWords(at: p)
      if let packed = ValueHash.packedSmall(low, high) {
        let hash = ValueHash.entry(group: groupHash, packed: packed, seed: seed)
        return Probe(word0: packed.0, word1: packed.1, hash: hash)
      }
    }
    return probeOther(groupHash: groupHash, at: p)
  }

  /// `probe` of a value that is not a small ASCII string read in place.
  @inline(never)
  private func probeOther(groupHash: Int, at p: UnsafePointer<Value>) -> Probe {
    if width == 1 {
      if case .string(let s) = p.pointee, let packed = ValueHash.packedLarge(s) {
        let hash = ValueHash.entry(group: groupHash, packed: packed, seed: seed)
        return Probe(word0: packed.0, word1: packed.1, hash: hash)
      }
    }
    let hash = ValueHash.entry(group: groupHash, p.pointee)
    return Probe(word0: UInt64(truncatingIfNeeded: hash), word1: Self.spilled, hash: hash)
  }

  /// Loads the first slot a lookup of each of `count` probes reads (`probes[k * stride]`) and
  /// returns their words folded, for the caller to keep. Swift has no prefetch: a loop that
  /// does nothing but these loads has the cache misses of a whole chunk of rows in flight at
  /// once, where each row's own lookup waited for its miss alone (the table outgrows the
  /// caches), and the lookups then find their slots in the cache.
  @inline(__always)
  mutating func touch(_ probes: UnsafePointer<Probe>, count: Int, stride: Int) -> UInt64 {
    let slots = table.slots
    let mask = table.capacity &- 1
    var sink: UInt64 = 0
    for k in 0..<count { sink ^= slots[probes[k &* stride].hash & mask].word1 }
    return sink
  }

  /// The slot of the key of `probe`, (`group`, the value at `p`); a new entry with mask base
  /// `firstWindow` on first sight.
  @inline(__always)
  mutating func entry(
    _ probe: Probe, group: UnsafeBufferPointer<Value>, at p: UnsafePointer<Value>,
    firstWindow: Int64
  ) -> Int {
    find(probe.word0, probe.word1, probe.hash, group, p, firstWindow)
  }

  @inline(__always)
  private mutating func find(
    _ word0: UInt64, _ word1: UInt64, _ hash: Int, _ group: UnsafeBufferPointer<Value>,
    _ value: UnsafePointer<Value>, _ firstWindow: Int64
  ) -> Int {
    let slots = table.slots
    let mask = table.capacity &- 1
    var i = hash & mask
    while true {
      let w1 = slots[i].word1
      if w1 == 0 { break }
      if w1 == word1 && slots[i].word0 == word0
        && (word1 != Self.spilled || same(Int(table.entries[i]), group, value.pointee))
      {
        return i
      }
      i = (i &+ 1) & mask
    }
    return insert(at: i, word0, word1, hash, group, value.pointee, firstWindow)
  }

  @inline(never)
  private mutating func insert(
    at i: Int, _ word0: UInt64, _ word1: UInt64, _ hash: Int,
    _ group: UnsafeBufferPointer<Value>, _ value: Value, _ firstWindow: Int64
  ) -> Int {
    makeUnique()
    let e = slotOf.count
    keys.append(contentsOf: group)
    keys.append(value)
    slotOf.append(Int32(i))
    table.slots[i] = Slot(word0: word0, word1: word1, base: firstWindow, mask: 0)
    table.entries[i] = Int32(e)
    if slotOf.count * 2 > table.capacity {
      rehash(capacity: table.capacity * 2)
      return Int(slotOf[e])
    }
    return i
  }

  private func same(_ e: Int, _ group: UnsafeBufferPointer<Value>, _ value: Value) -> Bool {
    let base = e * width
    if keys[base + width - 1] != value { return false }
    for k in 0..<width - 1 where keys[base + k] != group[k] { return false }
    return true
  }

  /// Copies the table before a write when another tracker value shares it.
  @inline(__always)
  private mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&table) { table = table.copy() }
  }

  /// Counts slot `h`'s entry in window `window`; true if it was not counted there yet.
  /// `oldestOpen` is the lowest window number that has not fired.
  @inline(__always)
  mutating func mark(_ h: Int, window: Int64, oldestOpen: Int64) -> Bool {
    makeUnique()
    let slot = table.slots + h
    var base = slot.pointee.base
    if window < base {
      return overflow[Int(table.entries[h]), default: []].insert(window).inserted
    }
    if window - base >= 64 {
      slide(h, to: window - 63, oldestOpen: oldestOpen)
      base = window - 63
    }
    let bit = UInt64(1) << UInt64(window - base)
    if slot.pointee.mask & bit != 0 { return false }
    slot.pointee.mask |= bit
    return true
  }

  /// Moves slot `h`'s mask to start at window `newBase` (above its base); the bits that fall
  /// out, of windows still open (from `oldestOpen`), go to the overflow set.
  private mutating func slide(_ h: Int, to newBase: Int64, oldestOpen: Int64) {
    let slot = table.slots + h
    let base = slot.pointee.base
    let shift = newBase - base
    let mask = slot.pointee.mask
    let dropped = shift >= 64 ? mask : mask & ((UInt64(1) << UInt64(shift)) - 1)
    if dropped != 0 {
      // Keep the bits of windows that are still open (rare: the slot's entry number is read
      // only then, as it is another cache miss).
      var bits = dropped
      while bits != 0 {
        let b = Int64(bits.trailingZeroBitCount)
        if base + b >= oldestOpen { overflow[Int(table.entries[h]), default: []].insert(base + b) }
        bits &= bits - 1
      }
    }
    slot.pointee.mask = shift >= 64 ? 0 : mask >> UInt64(shift)
    slot.pointee.base = newBase
  }

  /// Counts slot `h`'s entry in every window from `low` through `high` at once; returns the
  /// windows it was not counted in yet, bit b for window `low + b`. When `high` is past the
  /// mask, the mask first slides to end at `high`, as `mark(high)` slides it. Nil, with nothing
  /// changed, when the range starts below the mask or spans more than 64 windows (the caller
  /// then marks window by window).
  ///
  /// The same as calling `mark` for each window of the range, newest first: inside the mask a
  /// window's bit is the whole truth (the overflow set only holds windows below `base`).
  @inline(__always)
  mutating func markRange(
    _ h: Int, from low: Int64, through high: Int64, oldestOpen: Int64
  ) -> UInt64? {
    makeUnique()
    let slot = table.slots + h
    var base = slot.pointee.base
    guard low >= base, low <= high, high &- low < 64 else { return nil }
    if high &- base >= 64 {
      slide(h, to: high - 63, oldestOpen: oldestOpen)
      base = high - 63
    }
    let count = high &- low &+ 1
    let run = count == 64 ? ~UInt64(0) : (UInt64(1) << UInt64(count)) &- 1
    let shift = UInt64(low &- base)
    let fresh = (run << shift) & ~slot.pointee.mask
    if fresh != 0 { slot.pointee.mask |= fresh }
    return fresh >> shift
  }

  /// Drops entries counted only in windows below `oldestOpen` (all fired), once the table has
  /// doubled since the last sweep. The survivors keep their order.
  ///
  /// Entries are deleted in place (linear probing's backward shift), in one pass over the
  /// slots in memory order: rebuilding the table instead cost a fresh table's worth of zeroed
  /// pages and a cache miss per entry, each sweep. The table shrinks (a rehash) only when a
  /// quarter of it would do.
  mutating func sweep(oldestOpen: Int64) {
    guard count > max(4096, sweptCount * 2) else { return }
    makeUnique()
    let t = table
    // Per entry: counted in an open window (few entries have an overflow set).
    var live = [Bool](repeating: false, count: count)
    for (e, extra) in overflow where extra.contains(where: { $0 >= oldestOpen }) {
      live[e] = true
    }
    var i = 0
    while i < t.capacity {
      let slot = t.slots[i]
      if slot.word1 != 0 {
        let e = Int(t.entries[i])
        if live[e]
          || (slot.base + 63 >= oldestOpen
            && (slot.mask >> UInt64(max(0, oldestOpen - slot.base))) != 0)
        {
          live[e] = true
        } else {
          // Slot i now holds a later slot of its cluster, or nothing: look at it again.
          removeSlot(i, from: t)
          continue
        }
      }
      i += 1
    }
    var newKeys: [Value] = []
    newKeys.reserveCapacity(count * width)
    var newNumber = [Int32](repeating: -1, count: count)
    var kept = 0
    for e in 0..<count where live[e] {
      newKeys.append(contentsOf: keys[e * width..<(e + 1) * width])
      newNumber[e] = Int32(kept)
      kept += 1
    }
    var newOverflow: [Int: Set<Int64>] = [:]
    for (e, extra) in overflow where newNumber[e] >= 0 { newOverflow[Int(newNumber[e])] = extra }
    keys = newKeys
    overflow = newOverflow
    slotOf = [Int32](repeating: 0, count: kept)
    for i in 0..<t.capacity where t.slots[i].word1 != 0 {
      let e = newNumber[Int(t.entries[i])]
      t.entries[i] = e
      slotOf[Int(e)] = Int32(i)
    }
    sweptCount = kept
    var capacity = 1024
    while capacity < kept * 2 { capacity *= 2 }
    if capacity * 4 <= t.capacity { rehash(capacity: capacity) }
  }

  /// Empties slot `i` of `t`, moving back the later slots of its cluster that may fill the
  /// hole (each to no earlier than its home slot), so that every lookup still finds its key.
  private func removeSlot(_ i: Int, from t: DistinctSlots) {
    let mask = t.capacity - 1
    var hole = i
    var j = (i + 1) & mask
    while t.slots[j].word1 != 0 {
      let home = hash(of: t.slots[j]) & mask
      // The slot at j may move to the hole when the hole lies in [home, j), cyclically.
      if (j &- home) & mask >= (j &- hole) & mask {
        t.slots[hole] = t.slots[j]
        t.entries[hole] = t.entries[j]
        hole = j
      }
      j = (j + 1) & mask
    }
    t.slots[hole] = Slot()
  }

  /// The hash of a used slot's key: recomputed from a packed string (whose group is the empty
  /// key), kept in a spilled one.
  @inline(__always)
  private func hash(of slot: Slot) -> Int {
    slot.word1 == Self.spilled
      ? Int(truncatingIfNeeded: slot.word0)
      : ValueHash.entry(group: noGroupHash, packed: (slot.word0, slot.word1), seed: seed)
  }

  /// Moves the entries to a new table of `capacity` slots, reading the old one in memory
  /// order (rather than jumping to each entry's slot).
  private mutating func rehash(capacity: Int) {
    let old = table
    let next = DistinctSlots(capacity: capacity)
    let mask = capacity - 1
    for i in 0..<old.capacity {
      let slot = old.slots[i]
      if slot.word1 == 0 { continue }
      var j = hash(of: slot) & mask
      while next.slots[j].word1 != 0 { j = (j &+ 1) & mask }
      next.slots[j] = slot
      next.entries[j] = old.entries[i]
      slotOf[Int(old.entries[i])] = Int32(j)
    }
    table = next
  }

  /// Adds the entry of (`group`, `value`) with mask `mask` from `base` and overflow windows
  /// `extra` (restoring a checkpoint, entries in their saved order).
  mutating func restore(
    group: UnsafeBufferPointer<Value>, value: Value, base: Int64, mask: UInt64,
    extra: Set<Int64>
  ) {
    let h = entry(group: group, groupHash: GroupTable.hash(group), value: value, firstWindow: base)
    makeUnique()
    table.slots[h].base = base
    table.slots[h].mask = mask
    if !extra.isEmpty { overflow[Int(table.entries[h])] = extra }
  }
}
