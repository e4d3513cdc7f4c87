import Dispatch
import Planner

/// Storage for the values a piece's scan extracts (`ScannedValues`), reused from piece to piece.
///
/// A piece of a megabyte fills room for about half a megabyte of values. Allocated afresh for
/// every piece, its pages are faulted in and zeroed by the kernel each time, and filling it
/// misses the cache on every row; storage given back once its piece is prepared (its values
/// freed) is memory already mapped. At most `maxIdle` buffers of at most `largestKept` values
/// are kept, so what the pool holds stays bounded.
///
/// Every slot of a buffer, taken or given back, holds NULL (`ScannedValues` keeps it so): a
/// row appended needs no initializing, and NULL holds nothing to free.
final class ValueArrayPool: @unchecked Sendable {
  static let shared = ValueArrayPool()
  static let maxIdle = 6
  /// Larger buffers (a piece of very many tiny lines) are freed, not kept.
  static let largestKept = 1 << 17

  private let lock = DispatchSemaphore(value: 1)
  /// Buffers of NULLs and their capacities.
  private var idle: [(UnsafeMutablePointer<Value>, Int)] = []

  /// Room for at least `count` values (at least one), all NULL, and its capacity.
  func take(minimumCapacity count: Int) -> (UnsafeMutablePointer<Value>, Int) {
    lock.wait()
    let kept = idle.popLast()
    lock.signal()
    if let kept {
      if kept.1 >= count { return kept }
      kept.0.deallocate()
    }
    let capacity = max(count, 1)
    let buffer = UnsafeMutablePointer<Value>.allocate(capacity: capacity)
    buffer.initialize(repeating: .null, count: capacity)
    return (buffer, capacity)
  }

  /// Takes back `buffer` (every slot NULL again) for a later piece, or frees it.
  func give(_ buffer: UnsafeMutablePointer<Value>, capacity: Int) {
    if capacity <= Self.largestKept {
      lock.wait()
      let kept = idle.count < Self.maxIdle
      if kept { idle.append((buffer, capacity)) }
      lock.signal()
      if kept { return }
    }
    buffer.deallocate()
  }
}
