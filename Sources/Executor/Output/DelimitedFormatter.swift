import Planner

/// How one delimited-text format separates and writes fields.
public protocol DelimitedDialect {
  static var separator: UInt8 { get }
  /// Appends one non-NULL field's text, quoted or escaped as the format needs.
  static func appendField(_ text: String, into out: inout [UInt8])
}

/// Delimited text: a header row, then one record per row, LF-terminated. NULL is an empty
/// field; JSON values appear as their text (see `plainText` for the other types). Spread
/// columns per `RowFormatter`: the header waits for the first row with an object.
public struct DelimitedFormatter<Dialect: DelimitedDialect>: RowFormatter {
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
      if k > 0 { out.append(Dialect.separator) }
      guard let text = plainText(v) else { continue }
      Dialect.appendField(text, into: &out)
    }
    out.append(0x0A)
  }
}

/// Comma-separated values after RFC 4180. A field is quoted when it holds `,`, `"`, CR or LF (a
/// `"` inside is doubled), or when it is empty text (so that `""` differs from NULL, which is an
/// empty field, as DuckDB writes them). Records end with LF, as DuckDB and most Unix tools write
/// them, not CRLF.
public enum CSV: DelimitedDialect {
  public static let separator = UInt8(ascii: ",")

  public static func appendField(_ text: String, into out: inout [UInt8]) {
    let needsQuotes =
      text.isEmpty || text.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
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

/// Tab-separated values. Tab, LF, CR and backslash inside a value are written `\t` `\n` `\r`
/// `\\`, so a line is always one record (the Postgres text format's escapes). NULL is an empty
/// field, not Postgres's `\N`: that is what `cut`, spreadsheets and DuckDB's TSV writer show; the
/// cost is that NULL and '' look alike.
public enum TSV: DelimitedDialect {
  public static let separator: UInt8 = 0x09

  public static func appendField(_ text: String, into out: inout [UInt8]) {
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
}

public typealias CSVFormatter = DelimitedFormatter<CSV>
public typealias TSVFormatter = DelimitedFormatter<TSV>
