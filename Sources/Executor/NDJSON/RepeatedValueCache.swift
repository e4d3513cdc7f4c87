/// Containers already validated, remembered byte for byte, so that one repeated on a later line
/// is accepted with a few vector compares instead of being walked again.
///
/// Streams of events repeat their unwanted nested objects: `"device":{"os":"android",
/// "version":"14"}` takes a dozen distinct values over millions of lines. `walkCompact` must
/// still validate such an object, and walking it cost ~300 instructions a line. A JSON object
/// or array is self-delimiting: when the bytes at `i` begin with the exact bytes of a container
/// that was checked before, under the same rules and depth limit, the value at `i` is that
/// container, valid, and ends where it ended; what follows it is the caller's to check. Only
/// the comparison decides a hit, so a hit can never accept anything the walk would not.
///
/// Containers of 16 to 64 bytes whose closing bracket is the first such byte from their 16th on
/// (flat objects and arrays, the common case) are cached. The candidate is found from that
/// closing byte: its length and its first and last eight bytes choose a set of two entries.
///
/// The cache belongs to one `FieldExtractor`, whose depth limit for skipped containers never
/// changes; what is stored depends on nothing else.
///
/// - Complexity: a lookup reads at most 64 bytes past `i` plus two entries of 64 bytes; memory
///   is fixed (`sets` × 2 entries).
struct RepeatedValueCache {
  /// Longest container remembered.
  static let maxLength = 64
  /// Shortest container remembered (shorter ones are cheap to walk).
  static let minLength = 16
  static let sets = 32
  /// Bytes per entry: the container's bytes, then its length as an `Int`.
  static let stride = 80

  private let storage: UnsafeMutableRawPointer
  /// Per set, which way to replace next.
  private let victims: UnsafeMutablePointer<UInt8>

  init() {
    let bytes = Self.sets * 2 * Self.stride
    storage = .allocate(byteCount: bytes, alignment: 16)
    storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    victims = .allocate(capacity: Self.sets)
    victims.initialize(repeating: 0, count: Self.sets)
  }

  func deallocate() {
    storage.deallocate()
    victims.deallocate()
  }

  /// The length the container at `i` (`{` or `[`) would have if it ended at the first closing
  /// byte of its kind at or after `i + minLength - 1`, or nil when there is none within
  /// `maxLength` bytes or the line.
  ///
  /// Only a guess, which picks the set and the length to compare: a hit is decided by the
  /// bytes alone. Starting at the shortest length remembered finds the end of a flat container
  /// of up to 31 bytes with one compare, and that of a nested one when its inner containers
  /// close early.
  @inline(__always)
  static func candidateLength(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int) -> Int? {
    guard i &+ minLength <= n else { return nil }
    let close = p[i] &+ 2  // `{` 0x7B → `}` 0x7D, `[` 0x5B → `]` 0x5D
    let raw = UnsafeRawPointer(p)
    var j = i &+ minLength &- 1
    // The usual case first, without the loop's bounds: the first block lies within the line
    // (as the loop's first block then does) and holds the closing byte.
    if j &+ 16 <= n {
      let bits = ByteMask.equal(raw, at: j, to: close)
      if bits != 0 { return minLength &+ Int(bits.trailingZeroBitCount) }
    }
    let limit = min(n, i &+ maxLength)
    while true {
      // The last block ends at `limit` and may overlap the one before (`i + 16 <= limit`):
      // a closing byte it finds too early gives a length below `minLength`, hence nil.
      if j &+ 16 > limit {
        guard j < limit else { return nil }
        j = limit &- 16
      }
      let bits = ByteMask.equal(raw, at: j, to: close)
      if bits != 0 { return length(j &+ Int(bits.trailingZeroBitCount)) }
      j &+= 16
    }
    @inline(__always) func length(_ end: Int) -> Int? {
      let length = end &+ 1 &- i
      return length >= minLength ? length : nil
    }
  }

  @inline(__always)
  private static func set(_ p: UnsafePointer<UInt8>, _ i: Int, length: Int) -> Int {
    let raw = UnsafeRawPointer(p + i)
    let first = raw.loadUnaligned(as: UInt64.self)
    let last = raw.loadUnaligned(fromByteOffset: length &- 8, as: UInt64.self)
    let mixed = (first ^ (last &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(length)) &* 0xBF58_476D_1CE4_E5B9
    return Int(truncatingIfNeeded: mixed &>> 59)  // 32 sets
  }

  /// True when the `length` bytes at `p + i` are those of entry `entry`.
  @inline(__always)
  private func matches(_ entry: UnsafeRawPointer, _ p: UnsafePointer<UInt8>, _ i: Int, length: Int)
    -> Bool
  {
    guard entry.load(fromByteOffset: Self.maxLength, as: Int.self) == length else { return false }
    let line = UnsafeRawPointer(p + i)
    @inline(__always) func difference(_ k: Int) -> SIMD16<UInt8> {
      line.loadUnaligned(fromByteOffset: k, as: SIMD16<UInt8>.self)
        ^ entry.loadUnaligned(fromByteOffset: k, as: SIMD16<UInt8>.self)
    }
    // The first and the last sixteen bytes cover a container of up to 32 (the usual one) with
    // no loop; the blocks from 16 and 32 on cover the rest of one up to `maxLength`.
    var diff = difference(0) | difference(length &- 16)
    if length > 32 {
      diff |= difference(16)
      if length > 48 { diff |= difference(32) }
    }
    let words = unsafeBitCast(diff, to: (UInt64, UInt64).self)
    return words.0 | words.1 == 0
  }

  /// True when the `length` bytes at `i` (from `candidateLength`) are a container stored
  /// before.
  @inline(__always)
  func contains(_ p: UnsafePointer<UInt8>, _ i: Int, length: Int) -> Bool {
    let base = UnsafeRawPointer(storage) + Self.set(p, i, length: length) &* (2 &* Self.stride)
    return matches(base, p, i, length: length) || matches(base + Self.stride, p, i, length: length)
  }

  /// Remembers the `length` bytes at `i`, which the caller has validated as one whole
  /// container (of the length `candidateLength` gives).
  func store(_ p: UnsafePointer<UInt8>, _ i: Int, length: Int) {
    guard length >= Self.minLength, length <= Self.maxLength else { return }
    let set = Self.set(p, i, length: length)
    let way = Int(victims[set])
    victims[set] = UInt8(1 &- way)
    let entry = storage + (set &* 2 &+ way) &* Self.stride
    entry.copyMemory(from: p + i, byteCount: length)
    entry.storeBytes(of: length, toByteOffset: Self.maxLength, as: Int.self)
  }
}
