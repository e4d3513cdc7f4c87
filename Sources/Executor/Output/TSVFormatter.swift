import Planner

/// Tab-separated values: a header row, then one line per row.
///
/// Tab, LF, CR and backslash inside a value are written `\t` `\n` `\r` `\\`, so a line is always
/// one record (the Postgres text format's escapes). NULL is an empty field, not Postgres's `\N`:
/// that is what `cut`, spreadsheets and DuckDB's TSV writer show; the cost is that NULL and ''
/// look alike. Spread columns per `RowFormatter`.
public struct TSVFormatter: RowFormatter {
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
      if k > 0 { out.append(0x09) }
      guard let text = plainText(v) else { continue }
      for c in text.utf8 {
        switch c {
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        default: out.append(c)
        }
      }
    }
    out.append(0x0A)
  }
}
