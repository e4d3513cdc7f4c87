import Planner

/// Hashes of group keys and COUNT(DISTINCT) values for the operators' own hash tables.
///
/// `Hasher` (SipHash) spent some 250 instructions per row on a two-letter country code.
/// Strings of up to 16 ASCII bytes, the usual group key and distinct value, are hashed here
/// from their bytes with a seeded multiply-mix instead; everything else still goes through
/// `Hasher`. That agrees with `==`: equal values take the same branch, because `String`
/// equality is canonical equivalence, under which an ASCII string equals only the string of
/// the same bytes (whatever its storage), and a value of another case is never equal to a
/// string. The seed is random per process, as `Hasher`'s is, so that input cannot be crafted
/// offline to collide.
enum ValueHash {
  /// Internal, not private: a `DistinctTracker` keeps a copy, so that its per-row hashes do
  /// not check the lazy global's initialization each time.
  static let seed: UInt64 = {
    var g = SystemRandomNumberGenerator()
    return g.next() | 1
  }()

  /// The hash of a group key (its values in order).
  @inline(__always)
  static func key(_ key: UnsafeBufferPointer<Value>) -> Int {
    var h = seed
    for v in key { h = mix(h, value(v)) }
    return Int(truncatingIfNeeded: h)
  }

  /// The hash of (group, value) for a `DistinctTracker`, from the group key's hash.
  @inline(__always)
  static func entry(group: Int, _ v: Value) -> Int {
    Int(truncatingIfNeeded: mix(UInt64(truncatingIfNeeded: group), value(v)))
  }

  /// `entry(group:, .string(s))` for a string `s` packed by `packedASCII`, with `seed` the
  /// process's seed (`ValueHash.seed`).
  @inline(__always)
  static func entry(group: Int, packed: (UInt64, UInt64), seed: UInt64) -> Int {
    let h = value(packed: packed, seed: seed)
    return Int(truncatingIfNeeded: mix(UInt64(truncatingIfNeeded: group), h))
  }

  /// `value(.string(s))` for a string `s` packed by `packedASCII`, with `seed` the process's
  /// seed (`ValueHash.seed`).
  @inline(__always)
  static func value(packed: (UInt64, UInt64), seed: UInt64) -> UInt64 {
    let count = (packed.1 &>> 56) & 0x0F
    return mix(mix(seed ^ count, packed.0), packed.1 & 0x00FF_FFFF_FFFF_FFFF)
  }

  /// One step of `key`: the hash so far combined with the next value's hash.
  @inline(__always)
  static func combine(_ h: UInt64, _ value: UInt64) -> UInt64 {
    mix(h, value)
  }

  /// The bytes of `s`, low word first, with 0xE0 | count in the top byte, when `s` is ASCII and
  /// at most 15 bytes long; else nil. The same string gives the same words whatever its
  /// storage, and different strings different words, so the words stand for the string in a
  /// comparison. They are the bits of a small ASCII `String`: when `smallStrings` (that is,
  /// `SmallASCIIString.isAvailable`) they are read from such a string directly.
  @inline(__always)
  static func packedASCII(_ s: String, smallStrings: Bool) -> (UInt64, UInt64)? {
    if smallStrings {
      let (low, high) = unsafeBitCast(s, to: (UInt64, UInt64).self)
      if let packed = packedSmall(low, high) { return packed }
    }
    return packedLarge(s)
  }

  /// `packedASCII` of a small ASCII `String` from its two words (`SmallASCIIString`'s layout,
  /// which the caller has checked is available); nil for any other string.
  @inline(__always)
  static func packedSmall(_ low: UInt64, _ high: UInt64) -> (UInt64, UInt64)? {
    let tag = high &>> 56
    guard tag & 0xF0 == 0xE0 else { return nil }
    let count = tag & 0x0F
    if count < 8 {
      return (low & ((UInt64(1) &<< (count &* 8)) &- 1), tag &<< 56)
    }
    return (low, high & ((UInt64(1) &<< ((count &- 8) &* 8)) &- 1) | tag &<< 56)
  }

  /// `packedASCII` from the string's bytes, whatever its storage.
  @inline(never)
  static func packedLarge(_ s: String) -> (UInt64, UInt64)? {
    guard let (low, high, count) = asciiWords(s, atMost: 15) else { return nil }
    return (low, high | (0xE0 | UInt64(count)) &<< 56)
  }

  /// The bytes of `s`, little-endian in two words, and its length, when it is ASCII of at
  /// most `limit` (≤ 16) bytes; nil otherwise.
  private static func asciiWords(_ s: String, atMost limit: Int) -> (UInt64, UInt64, Int)? {
    let utf8 = s.utf8
    let count = utf8.count
    guard count <= limit else { return nil }
    var low: UInt64 = 0
    var high: UInt64 = 0
    var k = 0
    for byte in utf8 {
      if k < 8 {
        low |= UInt64(byte) &<< UInt64(k &* 8)
      } else {
        high |= UInt64(byte) &<< UInt64((k &- 8) &* 8)
      }
      k &+= 1
    }
    guard (low | high) & 0x8080_8080_8080_8080 == 0 else { return nil }
    return (low, high, count)
  }

  @inline(__always)
  static func value(_ v: Value) -> UInt64 {
    if case .string(let s) = v, let h = shortASCII(s) { return h }
    var hasher = Hasher()
    hasher.combine(v)
    return UInt64(truncatingIfNeeded: hasher.finalize())
  }

  /// A hash of `s`'s bytes when it is ASCII and at most 16 bytes long, else nil.
  @inline(__always)
  private static func shortASCII(_ s: String) -> UInt64? {
    if SmallASCIIString.isAvailable {
      // A small ASCII string holds its bytes inline (`SmallASCIIString`): read them directly.
      let (low, high) = unsafeBitCast(s, to: (UInt64, UInt64).self)
      let tag = high &>> 56
      if tag & 0xF0 == 0xE0 {
        let count = Int(tag & 0x0F)
        var bytesLow = low
        var bytesHigh = high & 0x00FF_FFFF_FFFF_FFFF
        if count < 8 {
          bytesLow &= (UInt64(1) &<< UInt64(count &* 8)) &- 1
          bytesHigh = 0
        } else {
          bytesHigh &= (UInt64(1) &<< UInt64((count &- 8) &* 8)) &- 1
        }
        return mix(mix(seed ^ UInt64(count), bytesLow), bytesHigh)
      }
    }
    guard let (low, high, count) = asciiWords(s, atMost: 16) else { return nil }
    // The length tags the hash so that distinct lengths of trailing NULs differ.
    return mix(mix(seed ^ UInt64(count), low), high)
  }

  /// A 64-bit mix of two words (the folded 128-bit product, as wyhash does).
  @inline(__always)
  private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let product = (a ^ 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: b ^ 0xE703_7ED1_A0B4_28DB)
    return product.high ^ product.low
  }
}
