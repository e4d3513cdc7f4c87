#if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
import _Builtin_intrinsics.intel
#endif

/// Sixteen bytes tested at once, answered as a 16-bit mask: bit *k* set when byte *k* matched.
///
/// On x86-64 the compares are SSE2's (`pcmpeqb`, `pcmpgtb`) and the mask is one `pmovmskb`,
/// through the clang intrinsics; elsewhere the portable `SIMD16<UInt8>` compares give the same
/// mask through a multiply. The lowest set bit is the first match: `trailingZeroBitCount` is
/// its offset, and a zero mask means no match among the sixteen.
///
/// - Complexity: O(1); the caller must be allowed to read sixteen bytes at `p + offset`.
enum ByteMask {
  /// The bytes that stop a string of the compact form: `"`, `\`, a control character (below
  /// 0x20) and anything not ASCII (0x80 and above).
  @inline(__always)
  static func stringSpecials(_ p: UnsafeRawPointer, at offset: Int) -> UInt32 {
    #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
    let v = _mm_loadu_si128((p + offset).assumingMemoryBound(to: __m128i.self))
    // As signed bytes, non-ASCII is negative: one compare finds it and the controls.
    let special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x22)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5C))),
      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)))
    return UInt32(truncatingIfNeeded: _mm_movemask_epi8(special))
    #else
    let v = p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    let signed = unsafeBitCast(v, to: SIMD16<Int8>.self)
    let hit =
      (v .== SIMD16(repeating: 0x22)) .| (v .== SIMD16(repeating: 0x5C))
      .| (signed .< SIMD16(repeating: 0x20))
    return bits(SIMD16<UInt8>(repeating: 0).replacing(with: 1, where: hit))
    #endif
  }

  /// The bytes equal to `byte`.
  @inline(__always)
  static func equal(_ p: UnsafeRawPointer, at offset: Int, to byte: UInt8) -> UInt32 {
    #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
    let v = _mm_loadu_si128((p + offset).assumingMemoryBound(to: __m128i.self))
    let hit = _mm_cmpeq_epi8(v, _mm_set1_epi8(CChar(bitPattern: byte)))
    return UInt32(truncatingIfNeeded: _mm_movemask_epi8(hit))
    #else
    let v = p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    return bits(
      SIMD16<UInt8>(repeating: 0).replacing(with: 1, where: v .== SIMD16(repeating: byte)))
    #endif
  }

  /// True when `a` and `b` hold the same sixteen bytes.
  @inline(__always)
  static func same(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> Bool {
    #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
    let equal = _mm_cmpeq_epi8(
      unsafeBitCast(a, to: __m128i.self), unsafeBitCast(b, to: __m128i.self))
    return _mm_movemask_epi8(equal) == 0xFFFF
    #else
    let words = unsafeBitCast(a ^ b, to: (UInt64, UInt64).self)
    return words.0 | words.1 == 0
    #endif
  }

  /// The 16-bit mask of the lanes of `ones` (each 0 or 1) that are 1.
  @inline(__always)
  static func bits(_ ones: SIMD16<UInt8>) -> UInt32 {
    let words = unsafeBitCast(ones, to: (UInt64, UInt64).self)
    // Each byte's 0 or 1 lands in its own bit of the product's top byte.
    let low = (words.0 &* 0x0102_0408_1020_4080) &>> 56
    let high = (words.1 &* 0x0102_0408_1020_4080) &>> 56
    return UInt32(truncatingIfNeeded: low | high &<< 8)
  }
}
