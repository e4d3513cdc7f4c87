import Planner

/// Window numbers (start / advance) of row times and watermarks for a tumbling or hopping
/// window, with the divisions cached.
///
/// Each needs a 64-bit division (some 40 cycles): four per row were a tenth of the ordered
/// thread's work in Q3. Consecutive rows mostly fall in the same advance-long slice of time
/// and see the same watermark, so each division is done again only when they move on. The
/// results are exactly `Timestamp.floorDiv`'s.
struct WindowNumbers {
  let size: Int64
  let advance: Int64
  /// floorDiv(-size, advance) + 1: the lowest window of a row in window `high` is
  /// `high + firstOffset` (floorDiv(high·advance - size, advance) + 1).
  let firstOffset: Int64
  /// Where a new `DistinctTracker` entry's mask starts, relative to the row's newest window:
  /// up to 8 windows below the row's first (while the row's windows still fit in the 64),
  /// so that a later row of the same value that is slightly older (disorder) still falls in
  /// the mask rather than in the entry's overflow set.
  let entryBaseOffset: Int64
  private var sliceStart: Int64 = 0
  private var sliceNumber: Int64 = 0
  private var hasSlice = false
  private var lastWatermark = Int64.min
  private var lastOldestOpen = Int64.min

  init(size: Int64, advance: Int64) {
    self.size = size
    self.advance = advance
    firstOffset = Timestamp.floorDiv(-size, advance) + 1
    let windowsPerRow = 1 - firstOffset
    entryBaseOffset = firstOffset - max(0, min(8, 64 - windowsPerRow))
  }

  /// floorDiv(t, advance): the newest window holding `t`.
  @inline(__always)
  mutating func number(of t: Int64) -> Int64 {
    let d = t &- sliceStart
    if hasSlice && d >= 0 && d < advance { return sliceNumber }
    sliceNumber = Timestamp.floorDiv(t, advance)
    sliceStart = sliceNumber &* advance
    hasSlice = true
    return sliceNumber
  }

  /// The lowest window number whose end is above `watermark` (not fired yet); `Int64.min`
  /// before the first watermark.
  @inline(__always)
  mutating func oldestOpen(_ watermark: Int64) -> Int64 {
    if watermark == Int64.min { return Int64.min }
    if watermark != lastWatermark {
      lastWatermark = watermark
      lastOldestOpen = Timestamp.floorDiv(watermark - size, advance) + 1
    }
    return lastOldestOpen
  }
}
