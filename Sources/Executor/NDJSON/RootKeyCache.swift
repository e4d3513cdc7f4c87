/// The top-level keys of compact lines, with their colon, by member position.
///
/// A variant of `KeyCache` for `walkCompact`'s flat loop, where nearly every key is read: the
/// pattern is `"key":` from the opening quote through the colon, so one 16-byte compare
/// replaces the quote check, the cache lookup and the colon check, and a hit moves straight to
/// the value. Keys of up to 13 bytes fit. As in `KeyCache`, an optional member that comes and
/// goes shifts the positions after it, so a miss also tries the neighbouring positions.
///
/// Only bytes `walkCompact` has checked (no escape, printable ASCII, colon right after the
/// quote) are stored, with the trie child the top-level object's key leads to; a hit is the
/// same bytes, hence the same key and the same child.
///
/// - Complexity: a hit costs one to three 16-byte compares.
struct RootKeyCache {
  struct Entry {
    /// The key's bytes, zero past `span`.
    var pattern = SIMD16<UInt8>(repeating: 0)
    /// 0xFF over the key's bytes. An empty entry has the full mask and a zero pattern: it
    /// matches only sixteen NUL bytes, and then with `span` 0, which leaves the caller at a
    /// NUL byte where a value must start, which it rejects.
    var mask = SIMD16<UInt8>(repeating: 0xFF)
    /// Bytes from the opening quote through the colon; 0 while empty.
    var span = 0
    var child: Int32 = -1
    /// Unused: makes an entry 64 bytes, so that its address is the position shifted.
    private var padding: (Int, Int) = (0, 0)
  }

  /// Positions are taken modulo `KeyCache.positions` (a power of two) through this mask: a
  /// line of more members reuses the entries from the first, which only a byte-for-byte match
  /// can hit, so no bound is checked.
  private static let mask = KeyCache.positions &- 1

  private let entries: UnsafeMutablePointer<Entry>

  init() {
    precondition(KeyCache.positions & Self.mask == 0, "positions must be a power of two")
    entries = .allocate(capacity: KeyCache.positions)
    entries.initialize(repeating: Entry(), count: KeyCache.positions)
  }

  func deallocate() {
    entries.deallocate()
  }

  /// The child, the index after the colon and the position it was found at, when the bytes at
  /// `i` (an opening quote) are a key cached at `position` or next to it.
  ///
  /// The caller reads the next key at the position after the one found, so an optional member
  /// missing from (or added to) a line costs one neighbour probe, not one for every key after it.
  @inline(__always)
  func lookup(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, position: Int)
    -> (child: Int32, next: Int, position: Int)?
  {
    guard i &+ 16 <= n else { return nil }
    let bytes = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<UInt8>.self)
    @inline(__always) func matches(_ candidate: Int) -> Bool {
      let entry = entries[candidate & Self.mask]
      return ByteMask.same(bytes & entry.mask, entry.pattern)
    }
    @inline(__always) func hit(_ candidate: Int) -> (child: Int32, next: Int, position: Int) {
      let entry = entries[candidate & Self.mask]
      return (entry.child, i &+ entry.span, candidate)
    }
    if matches(position) { return hit(position) }
    let after = position &+ 1
    if matches(after) { return hit(after) }
    let before = position &- 1
    if before >= 0 && matches(before) { return hit(before) }
    return nil
  }

  /// Remembers the checked `"key":` at `p[start..<next]` at `position`.
  @inline(__always)
  func store(_ p: UnsafePointer<UInt8>, _ start: Int, _ next: Int, child: Int32, position: Int) {
    let span = next &- start
    guard span <= 16 else { return }
    var entry = Entry()
    entry.mask = SIMD16<UInt8>(repeating: 0)
    for k in 0..<span {
      entry.pattern[k] = p[start &+ k]
      entry.mask[k] = 0xFF
    }
    entry.span = span
    entry.child = child
    entries[position & Self.mask] = entry
  }
}
