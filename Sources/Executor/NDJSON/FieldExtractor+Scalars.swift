import Planner

/// Strings, numbers and UTF-8: the scalar grammar of JSON, checked byte by byte.
extension FieldExtractor {
  /// Walks over the string whose `"` is at `i`, checking escapes, control characters and UTF-8;
  /// leaves `i` after the closing quote. Sets `escaped` when the string holds a backslash.
  ///
  /// Sixteen bytes at a time are tested for anything special (quote, backslash, control
  /// character, non-ASCII); plain runs are skipped without looking at each byte.
  @inline(__always)
  static func skipString(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, escaped: inout Bool)
    -> ScanError?
  {
    var j = i &+ 1
    let raw = UnsafeRawPointer(p)
    while true {
      while j &+ 16 <= n {
        let special = ByteMask.stringSpecials(raw, at: j)
        if special != 0 {
          j &+= special.trailingZeroBitCount
          break
        }
        j &+= 16
      }
      guard j < n else { return ScanError.unexpected(p, n, at: n) }
      let c = p[j]
      if c == 0x22 {
        i = j &+ 1
        return nil
      } else if c == 0x5C {
        escaped = true
        guard j &+ 1 < n else { return ScanError.unexpected(p, n, at: n) }
        switch p[j &+ 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
          j &+= 2
        case 0x75:
          guard j &+ 6 <= n, hex4(p, j &+ 2) >= 0 else {
            return .invalid("invalid \\u escape", at: j)
          }
          j &+= 6
        default:
          return .invalid("invalid escape", at: j)
        }
      } else if c < 0x20 {
        return .invalid("control character in string", at: j)
      } else if c >= 0x80 {
        guard validateUTF8(p, n, &j) else { return .invalidUTF8(at: j) }
      } else {
        j &+= 1
      }
    }
  }

  /// Reads the string whose `"` is at `i` into `s`, unescaped; leaves `i` after it.
  static func readString(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, into s: inout String)
    -> ScanError?
  {
    let start = i &+ 1
    var escaped = false
    if let error = skipString(p, n, &i, escaped: &escaped) { return error }
    let end = i &- 1
    if !escaped {
      s = String(
        decoding: UnsafeBufferPointer(start: p + start, count: end &- start), as: UTF8.self)
      return nil
    }
    // Unescaping never lengthens: `\n` → 1 byte, `\uXXXX` → ≤ 3, a surrogate pair (12) → 4.
    s = String(unsafeUninitializedCapacity: end &- start) { buffer in
      let o = buffer.baseAddress!
      var w = 0
      var j = start
      while j < end {
        let c = p[j]
        if c != 0x5C {
          o[w] = c
          w &+= 1
          j &+= 1
          continue
        }
        let e = p[j &+ 1]
        j &+= 2
        switch e {
        case 0x62:
          o[w] = 0x08
          w &+= 1
        case 0x66:
          o[w] = 0x0C
          w &+= 1
        case 0x6E:
          o[w] = 0x0A
          w &+= 1
        case 0x72:
          o[w] = 0x0D
          w &+= 1
        case 0x74:
          o[w] = 0x09
          w &+= 1
        case 0x75:
          var scalar = UInt32(hex4(p, j))
          j &+= 4
          if scalar >= 0xD800 && scalar < 0xDC00 {
            // A high surrogate: joined with a following low one, else replaced.
            if j &+ 6 <= end && p[j] == 0x5C && p[j &+ 1] == 0x75 {
              let low = UInt32(hex4(p, j &+ 2))
              if low >= 0xDC00 && low < 0xE000 {
                scalar = 0x10000 &+ ((scalar &- 0xD800) << 10) &+ (low &- 0xDC00)
                j &+= 6
              } else {
                scalar = 0xFFFD
              }
            } else {
              scalar = 0xFFFD
            }
          } else if scalar >= 0xDC00 && scalar < 0xE000 {
            scalar = 0xFFFD
          }
          w = encodeUTF8(scalar, o, w)
        default:
          // `"`, `\` and `/` stand for themselves.
          o[w] = e
          w &+= 1
        }
      }
      return w
    }
    return nil
  }

  /// Writes `scalar` as UTF-8 at `o[w...]`; returns the new write position.
  @inline(__always)
  static func encodeUTF8(_ scalar: UInt32, _ o: UnsafeMutablePointer<UInt8>, _ w: Int) -> Int {
    if scalar < 0x80 {
      o[w] = UInt8(scalar)
      return w &+ 1
    } else if scalar < 0x800 {
      o[w] = UInt8(0xC0 | (scalar >> 6))
      o[w &+ 1] = UInt8(0x80 | (scalar & 0x3F))
      return w &+ 2
    } else if scalar < 0x10000 {
      o[w] = UInt8(0xE0 | (scalar >> 12))
      o[w &+ 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
      o[w &+ 2] = UInt8(0x80 | (scalar & 0x3F))
      return w &+ 3
    }
    o[w] = UInt8(0xF0 | (scalar >> 18))
    o[w &+ 1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
    o[w &+ 2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
    o[w &+ 3] = UInt8(0x80 | (scalar & 0x3F))
    return w &+ 4
  }

  /// The value of four hex digits at `p[at...]`, or -1.
  @inline(__always)
  static func hex4(_ p: UnsafePointer<UInt8>, _ at: Int) -> Int {
    var v = 0
    for k in 0..<4 {
      let c = p[at &+ k]
      let d: Int
      switch c {
      case 0x30...0x39: d = Int(c &- 0x30)
      case 0x41...0x46: d = Int(c &- 0x41) &+ 10
      case 0x61...0x66: d = Int(c &- 0x61) &+ 10
      default: return -1
      }
      v = v << 4 | d
    }
    return v
  }

  /// Checks the UTF-8 sequence whose lead byte (≥ 0x80) is at `j` and moves past it.
  /// False, `j` unchanged, for a bad lead, a bad continuation, an overlong form, a surrogate or a
  /// value above U+10FFFF (the table of Unicode 15, section 3.9, table 3-7).
  @inline(__always)
  static func validateUTF8(_ p: UnsafePointer<UInt8>, _ n: Int, _ j: inout Int) -> Bool {
    let c = p[j]
    @inline(__always) func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
      j &+ k < n && p[j &+ k] >= lo && p[j &+ k] <= hi
    }
    switch c {
    case 0xC2...0xDF:
      guard cont(1) else { return false }
      j &+= 2
    case 0xE0:
      guard cont(1, 0xA0), cont(2) else { return false }
      j &+= 3
    case 0xE1...0xEC, 0xEE, 0xEF:
      guard cont(1), cont(2) else { return false }
      j &+= 3
    case 0xED:
      guard cont(1, 0x80, 0x9F), cont(2) else { return false }
      j &+= 3
    case 0xF0:
      guard cont(1, 0x90), cont(2), cont(3) else { return false }
      j &+= 4
    case 0xF1...0xF3:
      guard cont(1), cont(2), cont(3) else { return false }
      j &+= 4
    case 0xF4:
      guard cont(1, 0x80, 0x8F), cont(2), cont(3) else { return false }
      j &+= 4
    default:
      return false
    }
    return true
  }

  /// Exact powers of ten that a Double holds: the range of the fast path.
  static let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]

  /// Checks the number at `i` against JSON's grammar and leaves `i` after it; when
  /// `materialize`, stores its value in `v`.
  ///
  /// Doubles are exact. Up to 15 significant digits and a decimal exponent within ±22, the digits
  /// and the power of ten are both exact Doubles, so one IEEE multiply or divide rounds correctly
  /// (Clinger's fast path). Anything else goes to the standard library's correctly rounded
  /// `Double(String)`.
  @inline(__always)
  static func readNumber(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, materialize: Bool, into v: inout Value
  ) -> ScanError? {
    let start = i
    var j = i
    let negative = p[j] == UInt8(ascii: "-")
    if negative { j &+= 1 }
    guard j < n else { return ScanError.unexpected(p, n, at: j) }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits in `mantissa`
    var dropped = false  // significant digits beyond the 19 that `mantissa` holds
    var exponent = 0
    var isInteger = true
    let first = p[j]
    if first == UInt8(ascii: "0") {
      j &+= 1
    } else if first >= 0x31 && first <= 0x39 {
      while j < n {
        let d = p[j] &- 0x30
        guard d < 10 else { break }
        if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(d)
          digits &+= 1
        } else {
          dropped = true
          exponent &+= 1
        }
        j &+= 1
      }
    } else {
      return ScanError.unexpected(p, n, at: j)
    }
    if j < n && p[j] == UInt8(ascii: ".") {
      isInteger = false
      j &+= 1
      guard j < n, p[j] &- 0x30 < 10 else { return ScanError.unexpected(p, n, at: j) }
      while j < n {
        let d = p[j] &- 0x30
        guard d < 10 else { break }
        if mantissa == 0 && d == 0 {
          exponent &-= 1
        } else if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(d)
          digits &+= 1
          exponent &-= 1
        } else {
          dropped = true
        }
        j &+= 1
      }
    }
    if j < n && (p[j] | 0x20) == UInt8(ascii: "e") {
      isInteger = false
      j &+= 1
      var negativeExponent = false
      if j < n && (p[j] == UInt8(ascii: "+") || p[j] == UInt8(ascii: "-")) {
        negativeExponent = p[j] == UInt8(ascii: "-")
        j &+= 1
      }
      guard j < n, p[j] &- 0x30 < 10 else { return ScanError.unexpected(p, n, at: j) }
      var e = 0
      while j < n {
        let d = p[j] &- 0x30
        guard d < 10 else { break }
        if e < 1_000_000 { e = e &* 10 &+ Int(d) }
        j &+= 1
      }
      exponent &+= negativeExponent ? -e : e
    }
    i = j
    if !materialize {
      // Out of range is an error whether or not the value is wanted; only huge ones need a look.
      if mantissa != 0 && exponent &+ digits > 308 {
        return slowDouble(p, start, j, into: &v)
      }
      return nil
    }
    if isInteger && !dropped {
      if negative {
        if mantissa <= UInt64(1) << 63 {
          v = .int(mantissa == UInt64(1) << 63 ? Int64.min : -Int64(mantissa))
          return nil
        }
      } else if mantissa <= UInt64(Int64.max) {
        v = .int(Int64(mantissa))
        return nil
      }
    }
    if mantissa == 0 {
      v = .double(negative ? -0.0 : 0.0)
      return nil
    }
    if !dropped && digits <= 15 && exponent >= -22 && exponent <= 22 {
      var d = Double(mantissa)
      d = exponent < 0 ? d / powersOfTen[-exponent] : d * powersOfTen[exponent]
      v = .double(negative ? -d : d)
      return nil
    }
    return slowDouble(p, start, j, into: &v)
  }

  /// Parses `p[start..<end]` with the standard library; an infinite result is out of range.
  static func slowDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into v: inout Value)
    -> ScanError?
  {
    let text = String(
      decoding: UnsafeBufferPointer(start: p + start, count: end &- start), as: UTF8.self)
    guard let d = Double(text), d.isFinite else { return .outOfRange(at: start) }
    v = .double(d)
    return nil
  }
}
