/// A small direct-mapped cache from (window, short string key) to the key's group number in
/// the window's table, for one batch of `TimeWindowOperator.processPlain`.
///
/// A GROUP BY on one short string column (a country code) sees few distinct keys: hashing the
/// key and probing the table for each row cost about a third of the row's work in Q2. A hit
/// here compares the key's packed words (`ValueHash.packedSmall`, equal exactly when the
/// strings are equal) and the window number instead. Entries are valid for one batch only:
/// within `process` no window fires or is replaced, and a table's group numbers never change.
struct RecentGroups {
  private static let slots = 64

  private struct Entry {
    var window: Int64 = 0
    var low: UInt64 = 0
    var high: UInt64 = 0
    /// The group, or -1 for an empty slot.
    var group: Int = -1
  }

  private let entries: UnsafeMutablePointer<Entry>

  init() {
    entries = .allocate(capacity: Self.slots)
    entries.initialize(repeating: Entry(), count: Self.slots)
  }

  /// Frees the entries; the cache is not used after.
  func deallocate() {
    entries.deallocate()
  }

  @inline(__always)
  private static func slot(_ window: Int64, _ key: (UInt64, UInt64)) -> Int {
    let h = (key.0 ^ key.1 ^ UInt64(bitPattern: window)) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: h &>> 58)
  }

  /// The group of `key` (packed words) in window number `window`, if cached.
  @inline(__always)
  func group(window: Int64, key: (UInt64, UInt64)) -> Int? {
    let e = entries + Self.slot(window, key)
    guard e.pointee.group >= 0, e.pointee.window == window, e.pointee.low == key.0,
      e.pointee.high == key.1
    else { return nil }
    return e.pointee.group
  }

  @inline(__always)
  func remember(window: Int64, key: (UInt64, UInt64), group: Int) {
    entries[Self.slot(window, key)] = Entry(window: window, low: key.0, high: key.1, group: group)
  }
}
