import Planner

/// The groups of one window: their keys and accumulators, in first-seen order so that output
/// does not depend on hashing.
///
/// Keys are looked up by a view of the input row, without building an array per row; a key is
/// copied only when its group is created.
final class GroupTable {
  let keyWidth: Int
  /// Keys of all groups, `keyWidth` values each, in group order.
  private var keyValues: [Value] = []
  private(set) var states: [[Accumulator]] = []
  private var hashes: [Int] = []
  /// Open addressing: group number + 1, or 0 for an empty bucket.
  private var buckets: [Int32] = Array(repeating: 0, count: 16)
  /// Groups changed since the last `takeDirty()` (EMIT CHANGES).
  private var dirty: [Int] = []
  private var isDirty: [Bool] = []

  /// Fresh accumulators for a new group.
  private let makeStates: () -> [Accumulator]

  init(keyWidth: Int, makeStates: @escaping () -> [Accumulator]) {
    self.keyWidth = keyWidth
    self.makeStates = makeStates
  }

  var count: Int { states.count }

  /// The hash of a key, computed once per row and reused for every window the row falls in.
  @inline(__always)
  static func hash(_ key: UnsafeBufferPointer<Value>) -> Int {
    ValueHash.key(key)
  }

  /// The group for `key` (the first `keyWidth` values of a row), created with fresh
  /// accumulators on first sight.
  @inline(__always)
  func group(for key: UnsafeBufferPointer<Value>, hash: Int) -> Int {
    let mask = buckets.count - 1
    var i = hash & mask
    while true {
      let entry = Int(buckets[i])
      if entry == 0 { break }
      let g = entry - 1
      if hashes[g] == hash && sameKey(g, key) { return g }
      i = (i + 1) & mask
    }
    let g = states.count
    keyValues.append(contentsOf: key[0..<keyWidth])
    states.append(makeStates())
    hashes.append(hash)
    isDirty.append(false)
    buckets[i] = Int32(g + 1)
    if states.count * 2 > buckets.count { grow() }
    return g
  }

  @inline(__always)
  private func sameKey(_ g: Int, _ key: UnsafeBufferPointer<Value>) -> Bool {
    let base = g * keyWidth
    for k in 0..<keyWidth where keyValues[base + k] != key[k] { return false }
    return true
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

  /// Adds one to the `TrackedCountAccumulator` of aggregate `a` in group `g` (a COUNT(DISTINCT)
  /// that a `DistinctTracker` found a new value for).
  @inline(__always)
  func countTracked(group g: Int, aggregate a: Int) {
    states.withUnsafeBufferPointer { groups in
      groups[g].withUnsafeBufferPointer { accumulators in
        unsafeDowncast(accumulators[a], to: TrackedCountAccumulator.self).count += 1
      }
    }
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
    row.reserveCapacity(2 + keyWidth + states[g].count)
    row.append(contentsOf: key(g))
    for acc in states[g] { row.append(acc.result) }
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
