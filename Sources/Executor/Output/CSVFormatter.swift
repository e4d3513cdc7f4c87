import Planner

/// Comma-separated values after RFC 4180: a header row, then one record per row.
///
/// A field is quoted when it holds `,`, `"`, CR or LF (a `"` inside is doubled), or when it is
/// empty text (so that `""` differs from NULL, which is an empty field, as DuckDB writes them).
/// Records end with LF, as DuckDB and most Unix tools write them, not CRLF. JSON values appear
/// as their text; see `plainText` for the other types. Spread columns per `RowFormatter`: the
/// header waits for the first row with an object.
public struct CSVFormatter: RowFormatter {
  private var layout: SpreadLayout

  public init(columns: [String], spread: [Bool] = []) {
    layout = SpreadLayout(columns: columns, spread: spread)
  }

  public mutating func begin(into out: inout [UInt8]) {
    if layout.isResolved { writeRecord(layout.header.map { .string($0) }, into: &out) }
  }

  public mutating func write(_ row: [Value], into out: inout [UInt8]) {
    emit(layout.admit(row), into: &out)
  }

  public mutating func end(into out: inout [UInt8]) {
    emit(layout.finish(), into: &out)
  }

  private func emit(_ ready: (header: [String]?, rows: [[Value]]), into out: inout [UInt8]) {
    if let header = ready.header { writeRecord(header.map { .string($0) }, into: &out) }
    for row in ready.rows { writeRecord(row, into: &out) }
  }

  private func writeRecord(_ values: [Value], into out: inout [UInt8]) {
    for (k, v) in values.enumerated() {
      if k > 0 { out.append(UInt8(ascii: ",")) }
      guard let text = plainText(v) else { continue }
      Self.appendField(text, into: &out)
    }
    out.append(0x0A)
  }

  /// Appends one field, quoted when needed.
  static func appendField(_ text: String, into out: inout [UInt8]) {
    let needsQuotes = text.isEmpty || text.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
    guard needsQuotes else {
      out.append(contentsOf: text.utf8)
      return
    }
    out.append(0x22)
    for c in text.utf8 {
      if c == 0x22 { out.append(0x22) }
      out.append(c)
    }
    out.append(0x22)
  }
}
