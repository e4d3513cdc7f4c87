/// Increments of tracked COUNT(DISTINCT) cells in windows that have a single group (no GROUP
/// BY), gathered during a batch and added to the windows' tables at its end.
///
/// A new value is counted in up to size/advance windows; finding each window's table and its
/// group per value cost more than the tracker lookup itself. Here an increment is one compare
/// and one add in a small direct-mapped array keyed by window number; a window whose slot is
/// taken by another one (input far out of order) is handed over at once. Nothing reads the
/// counts before the batch ends (windows fire on the watermark, after `process`), and integer
/// addition does not care about order, so the answers are the same.
///
/// Two fixed blocks rather than arrays, owned by the caller (`deallocate()` when done): an
/// increment is then a compare and an add, with neither the uniqueness check of an array nor
/// the retain and release of a class (together two thirds of its cost in Q3).
struct PendingWindowCounts {
  private static let slots = 64
  /// Cells per window (one per tracked aggregate).
  private let width: Int
  /// Per slot, its window number, or `.min` when empty.
  private let windows: UnsafeMutablePointer<Int64>
  /// `width` counts per slot.
  private let counts: UnsafeMutablePointer<Int64>

  init(width: Int) {
    self.width = width
    windows = .allocate(capacity: Self.slots)
    windows.initialize(repeating: .min, count: Self.slots)
    counts = .allocate(capacity: Self.slots * width)
    counts.initialize(repeating: 0, count: Self.slots * width)
  }

  /// Frees the blocks; call `flushAll` first.
  func deallocate() {
    windows.deallocate()
    counts.deallocate()
  }

  /// Adds one to cell `j` of window number `window`, unless the window's slot holds another
  /// window: then false, and the caller hands that one over (`claim`) and tries again.
  @inline(__always)
  func increment(window: Int64, _ j: Int) -> Bool {
    let s = Int(truncatingIfNeeded: window) & (Self.slots - 1)
    guard windows[s] == window else { return false }
    counts[s &* width &+ j] &+= 1
    return true
  }

  /// Gives `window`'s slot to it, with zero counts; `flush` first takes the counts of the
  /// window that held the slot.
  func claim(
    _ window: Int64, flush: (_ window: Int64, _ counts: UnsafeBufferPointer<Int64>) -> Void
  ) {
    let s = Int(truncatingIfNeeded: window) & (Self.slots - 1)
    let cells = counts + s * width
    if windows[s] != .min { flush(windows[s], UnsafeBufferPointer(start: cells, count: width)) }
    windows[s] = window
    cells.update(repeating: 0, count: width)
  }

  /// Hands every window's counts to `flush` and empties the slots.
  func flushAll(_ flush: (_ window: Int64, _ counts: UnsafeBufferPointer<Int64>) -> Void) {
    for s in 0..<Self.slots where windows[s] != .min {
      flush(windows[s], UnsafeBufferPointer(start: counts + s * width, count: width))
      windows[s] = .min
    }
  }
}
