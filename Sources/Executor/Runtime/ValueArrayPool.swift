import Dispatch
import Planner

/// Arrays for the values a piece's scan extracts, reused from piece to piece.
///
/// A piece of a megabyte fills an array of about half a megabyte. Allocated afresh for every
/// piece, its pages are faulted in and zeroed by the kernel each time, and filling it misses the
/// cache on every row; an array given back once its piece is applied (emptied, its capacity
/// kept) is memory already mapped. At most `maxIdle` arrays of at most `largestKept` values are
/// kept, so what the pool holds stays bounded.
final class ValueArrayPool: @unchecked Sendable {
  static let shared = ValueArrayPool()
  static let maxIdle = 6
  /// Larger arrays (a piece of very many tiny lines) are freed, not kept.
  static let largestKept = 1 << 17

  private let lock = DispatchSemaphore(value: 1)
  private var idle: [[Value]] = []

  /// An empty array with room for at least `count` values.
  func take(minimumCapacity count: Int) -> [Value] {
    lock.wait()
    var values = idle.popLast() ?? []
    lock.signal()
    values.reserveCapacity(count)
    return values
  }

  /// Empties `values` (on the calling thread) and keeps its storage for the next piece.
  func give(_ values: inout [Value]) {
    guard values.capacity <= Self.largestKept else {
      values = []
      return
    }
    values.removeAll(keepingCapacity: true)
    lock.wait()
    if idle.count < Self.maxIdle { idle.append(values) }
    lock.signal()
    values = []
  }
}

/// A scanned piece's values on their way to be freed (`RowReaper`): given back to the pool
/// when dropped, on whichever thread drops them.
final class RecycledValues: @unchecked Sendable {
  private var values: [Value]

  init(_ values: [Value]) { self.values = values }

  deinit { ValueArrayPool.shared.give(&values) }
}
