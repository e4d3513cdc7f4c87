/// The keys a line's objects had at each position, remembered for the next line.
///
/// Lines of one stream almost always list their keys in the same order. For each trie node (an
/// object the query looks into) and each member position, the cache keeps the last key seen
/// there, with its closing quote, as a 16-byte pattern, and the trie node it led to. When the
/// next line has the same bytes at that position, the key is accepted with one vector compare,
/// without scanning it for escapes or looking it up in the trie: its bytes are identical to a
/// key already validated and resolved. An optional key that comes and goes shifts the positions
/// after it, so a miss also tries the neighbouring positions.
///
/// - Complexity: a hit costs one to three 16-byte compares.
struct KeyCache {
  static let positions = 64

  struct Entry {
    var pattern = SIMD16<UInt8>(repeating: 0)
    var mask = SIMD16<UInt8>(repeating: 0)
    /// Bytes from the key's first byte to just after its closing quote; 0 while empty.
    var span: Int32 = 0
    var child: Int32 = -1
  }

  private let entries: UnsafeMutablePointer<Entry>
  private let nodeCount: Int

  init(nodeCount: Int) {
    self.nodeCount = nodeCount
    let slots = nodeCount * KeyCache.positions
    entries = .allocate(capacity: slots)
    entries.initialize(repeating: Entry(), count: slots)
  }

  func deallocate() {
    entries.deallocate()
  }

  /// The child node if the key starting at `start` (just after its opening quote) is one cached
  /// for `node` at `position` (or a neighbouring position); sets `end` to the index after its
  /// closing quote.
  @inline(__always)
  func lookup(
    node: Int32, position: Int, _ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, end: inout Int
  ) -> Int32? {
    guard node >= 0, Int(node) < nodeCount, position < KeyCache.positions, start &+ 16 <= n else {
      return nil
    }
    let bytes = UnsafeRawPointer(p + start).loadUnaligned(as: SIMD16<UInt8>.self)
    let base = Int(node) &* KeyCache.positions
    @inline(__always) func matches(_ candidate: Int) -> Bool {
      guard candidate >= 0 && candidate < KeyCache.positions else { return false }
      let entry = entries[base &+ candidate]
      guard entry.span > 0 else { return false }
      // The pattern is zero past the key, as the masked bytes are.
      guard ByteMask.same(bytes & entry.mask, entry.pattern) else { return false }
      end = start &+ Int(entry.span)
      return true
    }
    if matches(position) { return entries[base &+ position].child }
    if matches(position &+ 1) { return entries[base &+ position &+ 1].child }
    if matches(position &- 1) { return entries[base &+ position &- 1].child }
    return nil
  }

  /// Remembers an unescaped key (bytes `start..<end` of `p`, its closing quote at `end`) seen
  /// for `node` at `position`. Keys of 15 bytes or more are not cached.
  @inline(__always)
  func store(
    node: Int32, position: Int, _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, child: Int32
  ) {
    let span = end &- start &+ 1
    guard node >= 0, Int(node) < nodeCount, position < KeyCache.positions, span <= 16 else {
      return
    }
    var entry = Entry()
    for k in 0..<span {
      entry.pattern[k] = p[start &+ k]
      entry.mask[k] = 0xFF
    }
    entry.span = Int32(span)
    entry.child = child
    entries[Int(node) &* KeyCache.positions &+ position] = entry
  }
}
