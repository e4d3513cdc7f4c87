/// Increments of tracked COUNT(DISTINCT) cells in windows that have a single group (no GROUP
/// BY), gathered during a batch and added to the windows' tables at its end.
///
/// A new value is counted in up to size/advance windows; finding each window's table and its
/// group per value cost more than the tracker lookup itself. Here an increment is one compare
/// and one add in a small direct-mapped array keyed by window number; a window whose slot is
/// taken by another one (input far out of order) is handed over at once. Nothing reads the
/// counts before the batch ends (windows fire on the watermark, after `process`), and integer
/// addition does not care about order, so the answers are the same.
struct PendingWindowCounts {
  private static let slots = 64
  /// Cells per window (one per tracked aggregate).
  private let width: Int
  private var windows = [Int64](repeating: .min, count: PendingWindowCounts.slots)
  /// `width` counts per slot.
  private var counts: [Int64]

  init(width: Int) {
    self.width = width
    counts = [Int64](repeating: 0, count: Self.slots * width)
  }

  /// Adds one to cell `j` of window number `window`; `flush` takes a window's counts when its
  /// slot is needed for another window.
  @inline(__always)
  mutating func increment(
    window: Int64, _ j: Int, flush: (_ window: Int64, _ counts: ArraySlice<Int64>) -> Void
  ) {
    let s = Int(truncatingIfNeeded: window) & (Self.slots - 1)
    if windows[s] != window {
      if windows[s] != .min { flush(windows[s], counts[s * width..<(s + 1) * width]) }
      windows[s] = window
      for k in s * width..<(s + 1) * width { counts[k] = 0 }
    }
    counts[s * width + j] &+= 1
  }

  /// Hands every window's counts to `flush` and empties the slots.
  mutating func flushAll(_ flush: (_ window: Int64, _ counts: ArraySlice<Int64>) -> Void) {
    for s in 0..<Self.slots where windows[s] != .min {
      flush(windows[s], counts[s * width..<(s + 1) * width])
      windows[s] = .min
    }
  }
}
