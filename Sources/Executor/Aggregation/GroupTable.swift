import Planner

/// The groups of one window: their keys and aggregate states, in first-seen order so that
/// output does not depend on hashing.
///
/// Keys are looked up by a view of the input row, without building an array per row; a key is
/// copied only when its group is created. COUNT, SUM and AVG states are `AggregateCell`s in one
/// flat array (`cellCount` per group); other aggregates are `Accumulator` objects
/// (`GroupStateLayout`).
final class GroupTable {
  let keyWidth: Int
  let shape: GroupStateLayout
  /// Keys of all groups, `keyWidth` values each, in group order.
  private var keyValues: [Value] = []
  /// `shape.cellCount` cells per group, in group order, in storage of the table's own
  /// (`cellCapacity` cells, `count * shape.cellCount` of them in use): `add` writes cells for
  /// every row, and through an array each write first checked the array's uniqueness.
  private var cells: UnsafeMutablePointer<AggregateCell>
  private var cellCapacity = 0
  /// Per group, its `Accumulator` objects (none when every aggregate is a cell).
  private(set) var objects: [[Accumulator]] = []
  private var hashes: [Int] = []
  /// Open addressing: group number + 1, or 0 for an empty bucket.
  private var buckets: [Int32] = Array(repeating: 0, count: 16)
  /// Groups changed since the last `takeDirty()` (EMIT CHANGES).
  private var dirty: [Int] = []
  private var isDirty: [Bool] = []

  /// `.string`'s tag byte when `ValueLayout` may read values in place.
  private let stringTag = ValueLayout.isAvailable ? ValueLayout.stringTagByte : nil
  /// `NumberTags.current`, kept here so that a row's cells do not check the lazy global.
  private let numberTags = NumberTags.current
  /// `shape.addedCells`, kept here for `add`'s loop.
  private let addedCells: [(cell: Int, kind: AggregateCell.Kind, slot: Int)]

  init(keyWidth: Int, shape: GroupStateLayout) {
    self.keyWidth = keyWidth
    self.shape = shape
    addedCells = shape.addedCells
    cells = .allocate(capacity: 0)
  }

  deinit {
    cells.deinitialize(count: count * shape.cellCount)
    cells.deallocate()
  }

  var count: Int { hashes.count }

  /// The hash of a key, computed once per row and reused for every window the row falls in.
  @inline(__always)
  static func hash(_ key: UnsafeBufferPointer<Value>) -> Int {
    ValueHash.key(key)
  }

  /// The group for `key` (the first `keyWidth` values of a row), created with fresh
  /// accumulators on first sight.
  @inline(__always)
  func group(for key: UnsafeBufferPointer<Value>, hash: Int) -> Int {
    // Probed through buffer pointers: one load of each array's base per row rather than per
    // access, and no bounds checks (a bucket index is masked; a group number is below count).
    let found = buckets.withUnsafeBufferPointer { buckets in
      hashes.withUnsafeBufferPointer { hashes -> (Int, Int) in
        let mask = buckets.count &- 1
        var i = hash & mask
        while true {
          let entry = Int(buckets[i])
          if entry == 0 { return (-1, i) }
          let g = entry &- 1
          if hashes[g] == hash && sameKey(g, key) { return (g, i) }
          i = (i &+ 1) & mask
        }
      }
    }
    if found.0 >= 0 { return found.0 }
    let i = found.1
    let g = hashes.count
    keyValues.append(contentsOf: key[0..<keyWidth])
    if shape.cellCount > 0 { appendCells(after: g) }
    if !shape.objectArguments.isEmpty { objects.append(shape.makeObjects()) }
    hashes.append(hash)
    isDirty.append(false)
    buckets[i] = Int32(g + 1)
    if hashes.count * 2 > buckets.count { grow() }
    return g
  }

  @inline(__always)
  private func sameKey(_ g: Int, _ key: UnsafeBufferPointer<Value>) -> Bool {
    let base = g * keyWidth
    for k in 0..<keyWidth {
      // Two strings of the same bits are equal (the usual match: a short country code),
      // without copying the values to compare them as `Value`s.
      if let tag = stringTag {
        let same = keyValues.withUnsafeBufferPointer { stored in
          ValueLayout.sameString(stored.baseAddress! + base + k, key.baseAddress! + k, tag: tag)
        }
        if same { continue }
      }
      if keyValues[base + k] != key[k] { return false }
    }
    return true
  }

  /// Room for group `g`'s cells (the groups before it have theirs), fresh.
  private func appendCells(after g: Int) {
    let used = g * shape.cellCount
    if used + shape.cellCount > cellCapacity {
      let capacity = max(16 * shape.cellCount, cellCapacity * 2)
      let grown = UnsafeMutablePointer<AggregateCell>.allocate(capacity: capacity)
      grown.moveInitialize(from: cells, count: used)
      cells.deallocate()
      cells = grown
      cellCapacity = capacity
    }
    (cells + used).initialize(repeating: AggregateCell(), count: shape.cellCount)
  }

  private func grow() {
    var next = [Int32](repeating: 0, count: buckets.count * 2)
    let mask = next.count - 1
    for (g, h) in hashes.enumerated() {
      var i = h & mask
      while next[i] != 0 { i = (i + 1) & mask }
      next[i] = Int32(g + 1)
    }
    buckets = next
  }

  /// Adds one row to group `g`'s aggregates; `time` is the row's event time (FIRST/LAST).
  @inline(__always)
  func add(_ row: UnsafeBufferPointer<Value>, group g: Int, time: Int64, warnings: inout Int) {
    if shape.cellCount > 0 {
      let base = g &* shape.cellCount
      if let tags = numberTags, let values = row.baseAddress {
        // The cells' plan through a buffer pointer and each argument read in place: no
        // iterator over the shape's array, no copy of a `Value`.
        let cells = self.cells
        addedCells.withUnsafeBufferPointer { added in
          for k in 0..<added.count {
            let (c, kind, slot) = added[k]
            if slot < 0 {
              cells[base &+ c].integer &+= 1
            } else {
              cells[base &+ c].add(kind, at: values + slot, tags: tags, warnings: &warnings)
            }
          }
        }
      } else {
        addCopying(row, base: base, warnings: &warnings)
      }
    }
    if !shape.objectArguments.isEmpty {
      let accumulators = objects[g]
      for (o, (offset, count)) in shape.objectArguments.enumerated() {
        let args = UnsafeBufferPointer(rebasing: row[offset..<offset + count])
        accumulators[o].add(args, time: time, warnings: &warnings)
      }
    }
  }

  /// `add`'s cells when `NumberTags` are unavailable: each argument copied out of the row.
  private func addCopying(_ row: UnsafeBufferPointer<Value>, base: Int, warnings: inout Int) {
    for (c, kind, slot) in shape.addedCells {
      if slot < 0 {
        cells[base &+ c].integer &+= 1
      } else {
        cells[base &+ c].add(kind, row[slot], warnings: &warnings)
      }
    }
  }

  /// Adds `n` to the tracked COUNT(DISTINCT) in cell `c` of group `g` (a `DistinctTracker`
  /// found new values for it).
  @inline(__always)
  func countTracked(group g: Int, cell c: Int, by n: Int64 = 1) {
    cells[g &* shape.cellCount &+ c].integer &+= n
  }

  /// Aggregate `a`'s state in group `g`: its cell or its accumulator.
  func state(_ g: Int, aggregate a: Int) -> (cell: AggregateCell, kind: AggregateCell.Kind)? {
    guard case .cell(let c, let kind) = shape.places[a] else { return nil }
    return (cells[g * shape.cellCount + c], kind)
  }

  /// Aggregate `a`'s accumulator in group `g`, when it is not a cell.
  func accumulator(_ g: Int, aggregate a: Int) -> Accumulator? {
    guard case .object(let o) = shape.places[a] else { return nil }
    return objects[g][o]
  }

  /// Replaces aggregate `a`'s cell in group `g` (restoring a checkpoint).
  func setCell(_ g: Int, aggregate a: Int, _ cell: AggregateCell) {
    cells[g * shape.cellCount + shape.cell(of: a)] = cell
  }

  func key(_ g: Int) -> ArraySlice<Value> {
    keyValues[g * keyWidth..<(g + 1) * keyWidth]
  }

  func markDirty(_ g: Int) {
    if !isDirty[g] {
      isDirty[g] = true
      dirty.append(g)
    }
  }

  func takeDirty() -> [Int] {
    let d = dirty
    for g in d { isDirty[g] = false }
    dirty.removeAll(keepingCapacity: true)
    return d
  }

  /// The aggregate row of group `g`: `start, end, keys..., results...`.
  func row(_ g: Int, start: Value, end: Value) -> [Value] {
    var row: [Value] = [start, end]
    row.reserveCapacity(2 + keyWidth + shape.places.count)
    row.append(contentsOf: key(g))
    for place in shape.places {
      switch place {
      case .cell(let c, let kind): row.append(cells[g * shape.cellCount + c].result(kind))
      case .object(let o): row.append(objects[g][o].result)
      }
    }
    return row
  }

  func rows(start: Value, end: Value) -> [[Value]] {
    (0..<count).map { row($0, start: start, end: end) }
  }

  /// A total order on group keys, so that rows closing at the same time come out in the same
  /// order however the input was split into batches.
  static func keyLess(_ a: ArraySlice<Value>, _ b: ArraySlice<Value>) -> Bool {
    for (x, y) in zip(a, b) {
      if x.isNull != y.isNull { return x.isNull }
      if x.isNull { continue }
      let c = ResultStage.compareForSort(x, y)
      if c != 0 { return c < 0 }
    }
    return false
  }
}
