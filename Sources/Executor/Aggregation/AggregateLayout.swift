import Planner

/// Where group keys and aggregate arguments sit in the rows an aggregating operator receives.
///
/// The query runner evaluates the group keys and every aggregate's arguments once per row into
/// a narrow row (`keys..., args of aggregate 0..., args of aggregate 1...`); operators read
/// slots, never expressions.
public struct AggregateLayout {
  let keyCount: Int
  let aggregates: [AggregateCall]
  /// First slot of each aggregate's arguments.
  let argumentOffsets: [Int]
  /// Values per input row.
  let width: Int

  public init(keyCount: Int, aggregates: [AggregateCall]) {
    self.keyCount = keyCount
    self.aggregates = aggregates
    var offsets: [Int] = []
    var next = keyCount
    for call in aggregates {
      offsets.append(next)
      next += call.arguments.count
    }
    argumentOffsets = offsets
    width = next
  }

  /// The group key of the row starting at `base` in `values`.
  @inline(__always)
  func key(_ row: UnsafeBufferPointer<Value>) -> [Value] {
    Array(row[0..<keyCount])
  }

  /// Adds one row to a group's accumulators.
  @inline(__always)
  func add(
    _ row: UnsafeBufferPointer<Value>, time: Int64, to states: [Accumulator], warnings: inout Int
  ) {
    for a in 0..<states.count {
      let offset = argumentOffsets[a]
      let args = UnsafeBufferPointer(rebasing: row[offset..<offset + aggregates[a].arguments.count])
      states[a].add(args, time: time, warnings: &warnings)
    }
  }
}

extension RowBatch {
  /// Calls `body` with each row's values.
  @inline(__always)
  func forEachRow(_ body: (Int, UnsafeBufferPointer<Value>) throws -> Void) rethrows {
    try withValues { all in
      try starts.withUnsafeBufferPointer { starts in
        guard let base = all.baseAddress else {
          // No values at all: every row is empty (COUNT(*) without GROUP BY).
          for i in 0..<starts.count { try body(i, UnsafeBufferPointer(start: nil, count: 0)) }
          return
        }
        for i in 0..<starts.count {
          try body(i, UnsafeBufferPointer(start: base + Int(starts[i]), count: width))
        }
      }
    }
  }
}
