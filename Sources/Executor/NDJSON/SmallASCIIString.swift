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
  /// Lanes 0...15, to mask a load down to a string's length.
  static let lanes = SIMD16<UInt8>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

  /// True when strings made here are bit for bit the ones the standard library makes.
  static let isAvailable: Bool = {
    let samples = ["", "a", "US", "u19023", "/product/2688", "page_view", "abcdefghijklmno"]
    for sample in samples {
      var bytes = Array(sample.utf8)
      bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
      let made = bytes.withUnsafeBufferPointer { buffer in
        make(UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(as: SIMD16<UInt8>.self),
          count: sample.utf8.count)
      }
      let ordinary = String(decoding: Array(sample.utf8), as: UTF8.self)
      guard unsafeBitCast(made, to: (UInt64, UInt64).self)
        == unsafeBitCast(ordinary, to: (UInt64, UInt64).self),
        made == sample, made.utf8.count == sample.utf8.count, made.hashValue == sample.hashValue
      else { return false }
    }
    return true
  }()

  /// The string of the first `count` (≤ 15) lanes of `loaded`, which must all be ASCII; the
  /// lanes beyond `count` may hold anything.
  @inline(__always)
  static func make(_ loaded: SIMD16<UInt8>, count: Int) -> String {
    let keep = lanes .< SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: count))
    var bytes = SIMD16<UInt8>(repeating: 0).replacing(with: loaded, where: keep)
    bytes[15] = 0xE0 | UInt8(truncatingIfNeeded: count)
    return unsafeBitCast(bytes, to: String.self)
  }

  /// The string of the ASCII bytes `p[start..<end]` (at most 15 of them); `n` bounds the
  /// bytes that may be read.
  @inline(__always)
  static func make(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int) -> String {
    let count = end &- start
    if start &+ 16 <= n {
      return make(UnsafeRawPointer(p + start).loadUnaligned(as: SIMD16<UInt8>.self), count: count)
    }
    var bytes = SIMD16<UInt8>(repeating: 0)
    for k in 0..<count { bytes[k] = p[start &+ k] }
    return make(bytes, count: count)
  }
}
