import Planner

/// The scalars of the compact form (see `walkCompact`): short numbers in one pass, strings
/// crossed 16 bytes at a time. Each gives up (nil or false) on anything outside the compact
/// form, and the caller falls back to the general readers or to `walk`.
extension FieldExtractor {
  /// A number read by `compactNumber`: where it ends and, when asked for, its value as bits,
  /// so that no `Value` is made (and destroyed) for a number nobody wants.
  struct CompactNumber {
    /// The index after the number; -1 when it is not one of the short numbers.
    var end: Int
    var isDouble: Bool
    /// The `Int64` or the `Double`, as a bit pattern.
    var bits: UInt64

    /// The number as `readNumber` gives it.
    @inline(__always)
    var value: Value {
      isDouble ? .double(Double(bitPattern: bits)) : .int(Int64(bitPattern: bits))
    }
  }

  /// `readNumber` for the short numbers of the compact form: an integer of at most 18 digits,
  /// or a decimal of at most 15 digits without exponent. Those it reads to the value
  /// `readNumber` gives (the integer itself; the digits as a Double divided by an exact power
  /// of ten, Clinger's fast path, where `readNumber` counts only the digits after leading
  /// zeros and so takes the same path). For anything else `end` is -1: `readNumber` decides.
  /// The value is computed only when `materialize` is set.
  @inline(__always)
  static func compactNumber(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, materialize: Bool
  ) -> CompactNumber {
    let negative = p[i] == UInt8(ascii: "-")
    let first = negative ? i &+ 1 : i
    // Nearly always the number and the byte after it are among the eight bytes at `first`:
    // one word tells where the digits stop (see `digitRun`), whether a `.` and more digits
    // follow, and what comes next.
    if first &+ 8 <= n {
      let word = UInt64(littleEndian: UnsafeRawPointer(p + first).loadUnaligned(as: UInt64.self))
      let t = word ^ 0x3030_3030_3030_3030
      let stop = (t | (t &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
      // Integer digits: 1...7, and no leading zero before more of them.
      let k = stop.trailingZeroBitCount &>> 3
      if k >= 1 && k <= 7 && (k == 1 || word & 0xFF != 0x30) {
        let next = (word &>> UInt64(k &<< 3)) & 0xFF
        if next == UInt64(UInt8(ascii: ".")) {
          // The digits after the point stop at the next flagged lane, within the word.
          let rest = stop & (stop &- 1)
          let end = rest.trailingZeroBitCount &>> 3
          if end < 8 && end &- k >= 2
            && (word &>> UInt64(end &<< 3)) & 0xDF != UInt64(UInt8(ascii: "E"))
          {
            var result = CompactNumber(end: first &+ end, isDouble: true, bits: 0)
            guard materialize else { return result }
            // The fraction's digits moved down one lane, over the point: `end - 1` digits.
            let below = (UInt64(1) &<< UInt64(k &<< 3)) &- 1
            let digits = (t & below) | ((t &>> 8) & ~below)
            let mantissa = laneDigits(digits, count: end &- 1)
            let d = Double(mantissa) / powersOfTen[end &- k &- 1]
            result.bits = (negative ? -d : d).bitPattern
            return result
          }
        } else if next & 0xDF != UInt64(UInt8(ascii: "E")) {
          var result = CompactNumber(end: first &+ k, isDouble: false, bits: 0)
          guard materialize else { return result }
          let mantissa = Int64(bitPattern: laneDigits(t, count: k))
          result.bits = UInt64(bitPattern: negative ? -mantissa : mantissa)
          return result
        }
      }
    }
    return longNumber(p, n, i, materialize: materialize)
  }

  /// The number written by the digits (each 0–9) in lanes `0..<count` of `t`, lane 0 the most
  /// significant; `count` is 1 through 8, and the lanes from `count` on may hold anything.
  ///
  /// The digits are moved to the top lanes (what was above them falls out of the word, and
  /// zeros, leading zeros of the number, come in below), then combined in three multiplies:
  /// pairs of lanes into 0–99, pairs of those into 0–9999, and the two halves. Each step keeps
  /// its sums within their lanes, so the result is exact, as the digit-by-digit loop it
  /// replaces (which cost some eight instructions a digit).
  @inline(__always)
  static func laneDigits(_ t: UInt64, count: Int) -> UInt64 {
    var v = t &<< UInt64((8 &- count) &<< 3)
    // Lane 2j: 10 × lane 2j + lane 2j + 1, at most 99.
    v = (v &* (10 &<< 8 &+ 1)) &>> 8
    // Lanes 4j...4j + 1: 100 × pair 2j + pair 2j + 1, at most 9999.
    v = ((v & 0x00FF_00FF_00FF_00FF) &* (100 &<< 16 &+ 1)) &>> 16
    // 10000 × the high four digits + the low four.
    return ((v & 0x0000_FFFF_0000_FFFF) &* (10000 &<< 32 &+ 1)) &>> 32
  }

  /// `compactNumber` for what its one word does not settle: longer numbers, numbers near the
  /// end of the line, and anything `readNumber` must decide (then `end` is -1).
  @inline(never)
  static func longNumber(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, materialize: Bool
  ) -> CompactNumber {
    var result = CompactNumber(end: -1, isDouble: false, bits: 0)
    let negative = p[i] == UInt8(ascii: "-")
    let first = negative ? i &+ 1 : i
    let integerDigits = digitRun(p, n, first)
    // No digit, a leading zero before more digits, or too long: not ours.
    guard integerDigits > 0, integerDigits <= 18, p[first] != 0x30 || integerDigits == 1 else {
      return result
    }
    var j = first &+ integerDigits
    var fraction = j
    var fractionDigits = 0
    if j < n && p[j] == UInt8(ascii: ".") {
      fraction = j &+ 1
      fractionDigits = digitRun(p, n, fraction)
      guard fractionDigits > 0, integerDigits &+ fractionDigits <= 15 else { return result }
      j = fraction &+ fractionDigits
    }
    if j < n && (p[j] | 0x20) == UInt8(ascii: "e") { return result }
    result.end = j
    guard materialize else { return result }
    var mantissa: UInt64 = 0
    for k in 0..<integerDigits { mantissa = mantissa &* 10 &+ UInt64(p[first &+ k] &- 0x30) }
    if fractionDigits == 0 {
      let m = Int64(mantissa)
      result.bits = UInt64(bitPattern: negative ? -m : m)
      return result
    }
    for k in 0..<fractionDigits { mantissa = mantissa &* 10 &+ UInt64(p[fraction &+ k] &- 0x30) }
    // Zero divides to zero of the right sign as well.
    let d = Double(mantissa) / powersOfTen[fractionDigits]
    result.isDouble = true
    result.bits = (negative ? -d : d).bitPattern
    return result
  }

  /// `compactNumber` for callers that keep a `Value`: false, `i` unchanged, when the number is
  /// not one of the short ones; else `i` moves past it and `v` (if `materialize`) holds it.
  @inline(__always)
  static func compactNumber(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, materialize: Bool, into v: inout Value
  ) -> Bool {
    let number = compactNumber(p, n, i, materialize: materialize)
    guard number.end >= 0 else { return false }
    i = number.end
    if materialize { v = number.value }
    return true
  }

  /// The number of ASCII digits from `start` on, read eight bytes at a time (SWAR).
  ///
  /// In a lane holding byte `b`, `t = b ^ 0x30` is below 10 exactly for a digit; `t + 0x76`
  /// then keeps the lane's top bit clear, and sets it for 10 through 0x89. A lane of 0x8A or
  /// more carries into the lane above, but its own top bit (that of `t`) is set already and
  /// carries only go up, so the lowest flagged lane is the first byte that is not a digit.
  @inline(__always)
  static func digitRun(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int {
    var j = start
    while j &+ 8 <= n {
      let word = UInt64(littleEndian: UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
      let t = word ^ 0x3030_3030_3030_3030
      let stop = (t | (t &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
      if stop != 0 { return j &- start &+ (stop.trailingZeroBitCount &>> 3) }
      j &+= 8
    }
    while j < n && p[j] &- 0x30 < 10 { j &+= 1 }
    return j &- start
  }

  /// The index of the quote closing the string whose first byte is at `start`, or nil when a
  /// backslash, a control character, a non-ASCII byte or the end of the line comes first.
  @inline(__always)
  static func compactStringEnd(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int? {
    var j = start
    let raw = UnsafeRawPointer(p)
    while j &+ 16 <= n {
      let special = ByteMask.stringSpecials(raw, at: j)
      if special != 0 {
        j &+= special.trailingZeroBitCount
        return p[j] == 0x22 ? j : nil
      }
      j &+= 16
    }
    while j < n {
      let c = p[j]
      if c == 0x22 { return j }
      if c == 0x5C || c < 0x20 || c >= 0x80 { return nil }
      j &+= 1
    }
    return nil
  }
}
