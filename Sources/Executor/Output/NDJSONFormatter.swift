import Planner

/// One compact JSON object per row, as `jq -c` prints: `{"window_start":"2026-11-26T08:00:00.000Z","n":3}`.
///
/// Keys appear in column order, values per `JSONWriter`; NULL is `null` (the key is kept). A
/// spread column's object members are spliced in its place, by copying the object's text between
/// its braces (it is valid JSON, so no re-parse is needed); a spread value that is not an object
/// adds nothing.
public struct NDJSONFormatter: RowFormatter {
  /// Each column's `"name":`, encoded once.
  private let keys: [[UInt8]]
  private let spread: [Bool]

  public init(columns: [String], spread: [Bool] = []) {
    keys = columns.map { name in
      var bytes: [UInt8] = []
      JSONWriter.appendString(name, to: &bytes)
      bytes.append(UInt8(ascii: ":"))
      return bytes
    }
    self.spread =
      spread.count == columns.count ? spread : [Bool](repeating: false, count: columns.count)
  }

  public mutating func begin(into out: inout [UInt8]) {}

  public mutating func write(_ row: [Value], into out: inout [UInt8]) {
    out.append(UInt8(ascii: "{"))
    var first = true
    for c in keys.indices {
      if spread[c] {
        if case .json(let text) = row[c] { Self.splice(members: text, first: &first, into: &out) }
        continue
      }
      if !first { out.append(UInt8(ascii: ",")) }
      first = false
      out.append(contentsOf: keys[c])
      JSONWriter.appendValue(row[c], to: &out)
    }
    out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
  }

  public mutating func end(into out: inout [UInt8]) {}

  /// Appends the members of the object `text` (between its braces, whitespace trimmed).
  static func splice(members text: String, first: inout Bool, into out: inout [UInt8]) {
    let bytes = Array(text.utf8)
    var lo = 0
    var hi = bytes.count
    while lo < hi, bytes[lo] <= 0x20 { lo += 1 }
    while hi > lo, bytes[hi - 1] <= 0x20 { hi -= 1 }
    guard hi - lo >= 2, bytes[lo] == UInt8(ascii: "{"), bytes[hi - 1] == UInt8(ascii: "}") else {
      return
    }
    lo += 1
    hi -= 1
    while lo < hi, bytes[lo] <= 0x20 { lo += 1 }
    while hi > lo, bytes[hi - 1] <= 0x20 { hi -= 1 }
    guard lo < hi else { return }
    if !first { out.append(UInt8(ascii: ",")) }
    first = false
    out.append(contentsOf: bytes[lo..<hi])
  }
}
