import Planner

/// `ValueHash.key` for a batch's rows, with what it reads from lazy globals (the seed, whether
/// strings can be read in place) taken once per batch, and short strings read in place.
///
/// `GroupTable.hash` copied each key value to hash it (retaining and releasing its string)
/// and checked two lazy globals per row: together more than the hashing itself in Q2. The
/// hashes are `ValueHash.key`'s exactly: tables built with either agree.
struct KeyHasher {
  private let seed = ValueHash.seed
  private let readsInPlace = ValueLayout.isAvailable && SmallASCIIString.isAvailable
  private let stringTag = ValueLayout.stringTagByte

  /// `ValueHash.key(key)`.
  @inline(__always)
  func key(_ key: UnsafeBufferPointer<Value>) -> Int {
    var h = seed
    if let base = key.baseAddress {
      for k in 0..<key.count { h = ValueHash.combine(h, value(at: base + k)) }
    }
    return Int(truncatingIfNeeded: h)
  }

  /// `ValueHash.value` of the value at `p`.
  @inline(__always)
  func value(at p: UnsafePointer<Value>) -> UInt64 {
    if readsInPlace && ValueLayout.isString(at: p, tag: stringTag) {
      let (low, high) = ValueLayout.stringWords(at: p)
      if let packed = ValueHash.packedSmall(low, high) {
        return ValueHash.value(packed: packed, seed: seed)
      }
    }
    return ValueHash.value(p.pointee)
  }
}
