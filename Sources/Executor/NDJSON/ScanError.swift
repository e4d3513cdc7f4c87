/// Why one NDJSON line could not be read as a row, and where.
///
/// The message reads as the tail of `access.ndjson:1042: not valid JSON (unexpected '}' at byte
/// 17)`; the caller adds the input name and line number. `offset` is the 0-based byte offset in
/// the line where the problem was found; messages print it 1-based ("byte 17" is the 17th byte),
/// as editors count columns.
public struct ScanError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong, e.g. `not a JSON object (found an array)`.
  public var message: String
  /// 0-based byte offset into the line.
  public var offset: Int

  public init(message: String, offset: Int) {
    self.message = message
    self.offset = offset
  }

  public var description: String { message }

  /// `not valid JSON (unexpected 'x' at byte 5)`, or `(unexpected end of line)` at the end.
  static func unexpected(_ bytes: UnsafePointer<UInt8>, _ count: Int, at offset: Int) -> ScanError {
    guard offset < count else {
      return ScanError(message: "not valid JSON (unexpected end of line)", offset: offset)
    }
    let c = bytes[offset]
    let shown: String
    if c >= 0x21 && c < 0x7F {
      shown = "'" + String(UnicodeScalar(c)) + "'"
    } else if c == 0x20 {
      shown = "space"
    } else {
      shown = "byte 0x" + (c < 16 ? "0" : "") + String(c, radix: 16, uppercase: true)
    }
    return ScanError(
      message: "not valid JSON (unexpected \(shown) at byte \(offset + 1))", offset: offset)
  }

  static func invalid(_ what: String, at offset: Int) -> ScanError {
    ScanError(message: "not valid JSON (\(what) at byte \(offset + 1))", offset: offset)
  }

  static func invalidUTF8(at offset: Int) -> ScanError {
    ScanError(message: "invalid UTF-8 (at byte \(offset + 1))", offset: offset)
  }

  static func outOfRange(at offset: Int) -> ScanError {
    ScanError(message: "number out of range (at byte \(offset + 1))", offset: offset)
  }

  static func tooDeep(_ limit: Int, at offset: Int) -> ScanError {
    ScanError(
      message: "nesting too deep (more than \(limit) levels at byte \(offset + 1))", offset: offset)
  }

  static let emptyLine = ScanError(message: "not valid JSON (empty line)", offset: 0)

  /// `not a JSON object (found an array)`, naming the top-level value by its first byte.
  static func notAnObject(first c: UInt8) -> ScanError {
    let found: String
    switch c {
    case UInt8(ascii: "["): found = "an array"
    case UInt8(ascii: "\""): found = "a string"
    case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
    case UInt8(ascii: "n"): found = "null"
    default: found = "a number"
    }
    return ScanError(message: "not a JSON object (found \(found))", offset: 0)
  }
}
