import Planner

/// The groups of one window: their keys and accumulators, in first-seen order so that output
/// does not depend on hashing.
final class GroupTable {
  private(set) var keys: [[Value]] = []
  private(set) var states: [[Accumulator]] = []
  private var index: [[Value]: Int] = [:]
  /// Groups changed since the last `takeDirty()` (EMIT CHANGES).
  private var dirty: [Int] = []
  private var isDirty: [Bool] = []

  var count: Int { keys.count }

  /// The group for `key`, created with fresh accumulators on first sight.
  func group(for key: [Value], aggregates: [AggregateCall]) -> Int {
    if let g = index[key] { return g }
    keys.append(key)
    states.append(aggregates.map { $0.makeAccumulator() })
    isDirty.append(false)
    index[key] = keys.count - 1
    return keys.count - 1
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
    row.reserveCapacity(2 + keys[g].count + states[g].count)
    row.append(contentsOf: keys[g])
    for acc in states[g] { row.append(acc.result) }
    return row
  }

  func rows(start: Value, end: Value) -> [[Value]] {
    (0..<count).map { row($0, start: start, end: end) }
  }
}
