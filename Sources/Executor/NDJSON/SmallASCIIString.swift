/// Swift strings of up to 15 ASCII bytes, made by laying the bytes out as the standard
/// library lays out a small string, without its UTF-8 check and copy loop.
///
/// `String(decoding:as:)` spends some 150 instructions on a two-letter country code: it checks
/// the bytes as UTF-8 (the scan already did), then builds the same 16 bytes this builds
/// directly. A small string is stored inline (no allocation, no reference count): the code
/// units in bytes 0–14, and in byte 15 the count under the flags "immortal, ASCII, small"
/// (0xE0). That layout is part of Swift's ABI; `isAvailable` still checks it once at run time
/// against strings made the ordinary way, and callers fall back to `String(decoding:as:)`
/// when it does not hold.
enum SmallASCIIString {
  /// True when strings made here are bit for bit the ones the standard library makes.
  static let isAvailable: Bool = {
    let samples = ["", "a", "US", "u19023", "abcdefgh", "/product/2688", "abcdefghijklmno"]
    for sample in samples {
      var bytes = Array(sample.utf8)
      let count = bytes.count
      bytes += [UInt8](repeating: 0x7A, count: 16 - count)  // junk past the end is ignored
      let made = bytes.withUnsafeBufferPointer { make($0.baseAddress!, 16, 0, count) }
      let short = bytes.withUnsafeBufferPointer { make($0.baseAddress!, count, 0, count) }
      let ordinary = String(decoding: Array(sample.utf8), as: UTF8.self)
      for s in [made, short] {
        guard unsafeBitCast(s, to: (UInt64, UInt64).self)
          == unsafeBitCast(ordinary, to: (UInt64, UInt64).self),
          s == sample, s.utf8.count == count, s.hashValue == sample.hashValue
        else { return false }
      }
    }
    return true
  }()

  /// The string of the first `count` (≤ 15) bytes of `low` then `high` (little-endian), which
  /// must all be ASCII; the bytes beyond `count` may hold anything.
  @inline(__always)
  static func make(low: UInt64, high: UInt64, count: Int) -> String {
    var low = low
    var high = high
    if count < 8 {
      low &= (UInt64(1) &<< UInt64(count &* 8)) &- 1
      high = 0
    } else {
      high &= (UInt64(1) &<< UInt64((count &- 8) &* 8)) &- 1
    }
    // Byte 15: "immortal, ASCII, small" and the count.
    high |= UInt64(0xE0 | count) &<< 56
    // Moved out of the words rather than cast from them: a cast makes a copy, and copying a
    // String calls swift_bridgeObjectRetain (a no-op for a small string, but a call).
    var words = (low, high)
    return withUnsafeMutablePointer(to: &words) {
      UnsafeMutableRawPointer($0).assumingMemoryBound(to: String.self).move()
    }
  }

  /// The string of the ASCII bytes `p[start..<end]` (at most 15 of them); `n` bounds the
  /// bytes that may be read.
  @inline(__always)
  static func make(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int) -> String {
    let count = end &- start
    if start &+ 16 <= n {
      let raw = UnsafeRawPointer(p + start)
      return make(
        low: raw.loadUnaligned(as: UInt64.self),
        high: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self), count: count)
    }
    var low: UInt64 = 0
    var high: UInt64 = 0
    for k in 0..<count {
      let byte = UInt64(p[start &+ k])
      if k < 8 { low |= byte &<< UInt64(k &* 8) } else { high |= byte &<< UInt64((k &- 8) &* 8) }
    }
    return make(low: low, high: high, count: count)
  }
}
