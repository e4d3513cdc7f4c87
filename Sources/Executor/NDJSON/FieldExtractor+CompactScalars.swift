import Planner

/// The scalars of the compact form (see `walkCompact`): short numbers in one pass, strings
/// crossed 16 bytes at a time. Each gives up (nil or false) on anything outside the compact
/// form, and the caller falls back to the general readers or to `walk`.
extension FieldExtractor {
  /// `readNumber` for the short numbers of the compact form: an integer of at most 18 digits,
  /// or a decimal of at most 15 digits without exponent. Those it reads, moving `i` past
  /// them, to the value `readNumber` gives (the integer itself; the digits as a Double divided
  /// by an exact power of ten, Clinger's fast path, where `readNumber` counts only the digits
  /// after leading zeros and so takes the same path). False, `i` unchanged, for anything
  /// else: `readNumber` decides.
  @inline(__always)
  static func compactNumber(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, materialize: Bool, into v: inout Value
  ) -> Bool {
    var j = i
    let negative = p[j] == UInt8(ascii: "-")
    if negative { j &+= 1 }
    let first = j
    var mantissa: UInt64 = 0
    while j < n {
      let d = p[j] &- 0x30
      guard d < 10 else { break }
      mantissa = mantissa &* 10 &+ UInt64(d)
      j &+= 1
    }
    let integerDigits = j &- first
    // No digit, a leading zero before more digits, or too long: not ours.
    guard integerDigits > 0, integerDigits <= 18, p[first] != 0x30 || integerDigits == 1 else {
      return false
    }
    var fractionDigits = 0
    if j < n && p[j] == UInt8(ascii: ".") {
      j &+= 1
      let fraction = j
      while j < n {
        let d = p[j] &- 0x30
        guard d < 10 else { break }
        mantissa = mantissa &* 10 &+ UInt64(d)
        j &+= 1
      }
      fractionDigits = j &- fraction
      guard fractionDigits > 0, integerDigits &+ fractionDigits <= 15 else { return false }
    }
    if j < n && (p[j] | 0x20) == UInt8(ascii: "e") { return false }
    i = j
    guard materialize else { return true }
    if fractionDigits == 0 {
      v = .int(negative ? -Int64(mantissa) : Int64(mantissa))
    } else if mantissa == 0 {
      v = .double(negative ? -0.0 : 0.0)
    } else {
      let d = Double(mantissa) / powersOfTen[fractionDigits]
      v = .double(negative ? -d : d)
    }
    return true
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
