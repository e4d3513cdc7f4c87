import Planner

/// Appends JSON text for values to a byte buffer, without Foundation and without building
/// intermediate Strings for the common cases.
///
/// - Strings: `"` `\` and control characters are escaped (`\n \t \r \b \f`, else `\u00XX`); all
///   other UTF-8 is copied as is.
/// - Doubles: the shortest text that reads back as the same Double, as Swift's `description`
///   gives it (`181.57999999999998`, `1094.0`, `1e-05`); NaN and infinities → `null`.
/// - Timestamps: a string `"2026-11-26T08:01:00.000Z"`. Intervals: integer milliseconds.
/// - `.json` text is copied raw: it was valid JSON when it was read.
public enum JSONWriter {
  /// Appends `s` as a quoted, escaped JSON string.
  public static func appendString(_ s: String, to out: inout [UInt8]) {
    var s = s
    s.withUTF8 { appendString(utf8: $0, to: &out) }
  }

  /// Appends UTF-8 bytes as a quoted, escaped JSON string.
  public static func appendString(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    out.append(0x22)
    var runStart = 0
    for (k, c) in bytes.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
      if runStart < k { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<k])) }
      runStart = k + 1
      out.append(0x5C)
      switch c {
      case 0x22: out.append(0x22)
      case 0x5C: out.append(0x5C)
      case 0x0A: out.append(UInt8(ascii: "n"))
      case 0x09: out.append(UInt8(ascii: "t"))
      case 0x0D: out.append(UInt8(ascii: "r"))
      case 0x08: out.append(UInt8(ascii: "b"))
      case 0x0C: out.append(UInt8(ascii: "f"))
      default:
        out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hexDigit(c >> 4), hexDigit(c & 0xF)])
      }
    }
    if runStart < bytes.count {
      out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }
    out.append(0x22)
  }

  /// Appends `v` as a JSON value.
  public static func appendValue(_ v: Value, to out: inout [UInt8]) {
    switch v {
    case .null: appendASCII("null", to: &out)
    case .bool(let b): appendASCII(b ? "true" : "false", to: &out)
    case .int(let i): appendInteger(i, to: &out)
    case .double(let d): appendDouble(d, to: &out)
    case .string(let s): appendString(s, to: &out)
    case .timestamp(let ms):
      out.append(0x22)
      Timestamp.append(ms, to: &out)
      out.append(0x22)
    case .interval(let ms): appendInteger(ms, to: &out)
    case .json(let text): out.append(contentsOf: text.utf8)
    }
  }

  /// Appends a finite double as Swift's shortest round-trip `description`, else `null`.
  public static func appendDouble(_ d: Double, to out: inout [UInt8]) {
    guard d.isFinite else { return appendASCII("null", to: &out) }
    out.append(contentsOf: d.description.utf8)
  }

  /// Appends the decimal digits of `value`.
  public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
    if value < 0 { out.append(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    // 20 digits hold any UInt64; fill from the right.
    var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &digits) { buffer in
      var k = 32
      repeat {
        k -= 1
        buffer[k] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
      } while magnitude > 0
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[k...]))
    }
  }

  /// Appends ASCII text as is.
  @inline(__always)
  static func appendASCII(_ text: StaticString, to out: inout [UInt8]) {
    out.append(
      contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  @inline(__always)
  static func hexDigit(_ v: UInt8) -> UInt8 {
    v < 10 ? 0x30 + v : UInt8(ascii: "a") + v - 10
  }
}
