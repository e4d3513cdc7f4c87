/// A small direct-mapped cache from window start to the window's group table.
///
/// A row of a hopping window falls in size/advance windows, and consecutive rows fall in
/// nearly the same ones; hashing the start into a `Dictionary` for each of them cost more than
/// the aggregation itself. The owner clears the cache whenever its windows change (one opens or
/// fires, or a checkpoint is restored), so an entry is never stale.
///
/// Slots are chosen by window number (start / advance), so up to 16 consecutive windows never
/// evict each other.
///
/// - Complexity: a lookup is one mask and one compare.
struct RecentWindows {
  private static let slots = 16
  private var starts = [Int64](repeating: .min, count: RecentWindows.slots)
  private var tables = [GroupTable?](repeating: nil, count: RecentWindows.slots)
  private var isEmpty = true

  @inline(__always)
  private static func slot(_ number: Int64) -> Int {
    Int(truncatingIfNeeded: number) & (slots - 1)
  }

  /// The table of the window starting at `start`, number `number`, if cached.
  @inline(__always)
  func table(_ start: Int64, number: Int64) -> GroupTable? {
    let s = Self.slot(number)
    return starts[s] == start ? tables[s] : nil
  }

  @inline(__always)
  mutating func remember(_ start: Int64, number: Int64, _ table: GroupTable) {
    let s = Self.slot(number)
    starts[s] = start
    tables[s] = table
    isEmpty = false
  }

  mutating func clear() {
    guard !isEmpty else { return }
    for s in 0..<Self.slots {
      starts[s] = .min
      tables[s] = nil
    }
    isEmpty = true
  }
}
