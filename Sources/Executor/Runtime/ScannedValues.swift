import Planner

/// The values a piece's scan extracts, `width` per good row, written in place.
///
/// A `[Value]` grown a row at a time pays a uniqueness check per append and per
/// `withUnsafeMutableBufferPointer`, and with no field to extract (`COUNT(*)`) the empty array
/// is even copied for every line, since the shared empty storage is never unique. Here a row is
/// claimed by bumping a count, and the scan writes through the pointer it gets back.
///
/// The whole storage, past `count` too, always holds values: NULL where no row is. Storage
/// comes from `ValueArrayPool` that way, and freeing (`removeAll`) puts NULL back in each slot
/// it frees, so a new row needs no initializing: its slots are NULL already. Freeing releases
/// only what holds a reference, strings and JSON texts, instead of calling the `Value` destroy
/// witness for every value; numbers, times and NULLs have nothing to release. The storage goes
/// back to the pool for the next piece.
///
/// Used by one thread at a time, handed on in order: the scanning thread fills it and prepares
/// it; then either it frees it, or (its rows shared by the last query, `prepare(sharing:)`) the
/// ordered stage reads the rows and the piece's release frees them.
final class ScannedValues: @unchecked Sendable {
  private var base: UnsafeMutablePointer<Value>
  private var capacity: Int
  /// Values in rows, from `base`.
  private(set) var count = 0

  /// Storage for at least `minimumCapacity` values, from the pool when it has some.
  init(minimumCapacity: Int) {
    (base, capacity) = ValueArrayPool.shared.take(minimumCapacity: minimumCapacity)
  }

  deinit {
    removeAll()
    ValueArrayPool.shared.give(base, capacity: capacity)
  }

  /// The values, `width` per row.
  var buffer: UnsafeBufferPointer<Value> { UnsafeBufferPointer(start: base, count: count) }

  /// The values, writable (`QueryPreparer` moves out what no later reader needs, leaving NULL).
  var mutableBuffer: UnsafeMutableBufferPointer<Value> {
    UnsafeMutableBufferPointer(start: base, count: count)
  }

  /// Appends a row of `width` NULLs and returns where it starts; valid until the next append.
  /// With `width` 0 the pointer is still valid to pass (nothing is written through it).
  @inline(__always)
  func appendNullRow(width: Int) -> UnsafeMutablePointer<Value> {
    if count &+ width > capacity { grow(toAtLeast: count &+ width) }
    let row = base + count
    count &+= width
    return row
  }

  /// Drops the last row (a line found bad after its values were written).
  func removeLastRow(width: Int) {
    count &-= width
    Self.reset(base + count, count: width)
  }

  /// Frees every value, keeping the storage.
  func removeAll() {
    Self.reset(base, count: count)
    count = 0
  }

  /// Sets `count` values at `start` back to NULL, releasing the strings among them: the kind
  /// is tested in line, and only a string is moved out and dropped; the others are plain bits,
  /// overwritten.
  @inline(__always)
  static func reset(_ start: UnsafeMutablePointer<Value>, count: Int) {
    if ValueLayout.knowsPlainValues {
      resetReadingTags(start, count: count)
      return
    }
    for i in 0..<count {
      switch start[i] {
      case .string, .json: _ = (start + i).move()
      default: break
      }
      (start + i).initialize(to: .null)
    }
  }

  /// `reset` reading each value's tag byte in place (`ValueLayout.holdsNothing`): only a
  /// string or JSON text that holds an object is destroyed; every other value is plain bits,
  /// overwritten with NULL's. Switching on each `Value` instead cost some 20 instructions a
  /// value (an outlined copy of it among them), the most of any step after the walk in Q2.
  private static func resetReadingTags(_ start: UnsafeMutablePointer<Value>, count: Int) {
    let stringTag = ValueLayout.stringTagByte
    let jsonTag = ValueLayout.jsonTagByte
    for i in 0..<count
    where !ValueLayout.holdsNothing(at: start + i, stringTag: stringTag, jsonTag: jsonTag) {
      (start + i).deinitialize(count: 1)
    }
    // Every value left is plain bits: overwritten whole, not destroyed one by one.
    UnsafeMutableRawPointer(start).initializeMemory(as: Value.self, repeating: .null, count: count)
  }

  private func grow(toAtLeast needed: Int) {
    let (grown, grownCapacity) = ValueArrayPool.shared.take(
      minimumCapacity: max(needed, capacity * 2))
    // Both hold values throughout: the rows' values and NULLs are swapped over.
    for i in 0..<count { swap(&grown[i], &base[i]) }
    ValueArrayPool.shared.give(base, capacity: capacity)
    base = grown
    capacity = grownCapacity
  }
}
