import Planner

/// An aligned text table with ASCII borders, as psql and DuckDB print for people:
///
///     +-----+-------+
///     | url | n     |
///     +-----+-------+
///     | /a  |     3 |
///     | /b  |  NULL |
///     +-----+-------+
///
/// Rows are held until `end`, which knows the column widths. Widths count terminal cells: a
/// Unicode scalar is one cell, a combining mark none, an East Asian wide or emoji scalar two (an
/// approximation of `wcwidth`). Numbers are right-aligned, everything else left-aligned; NULL
/// shows as `NULL`; tab, CR and LF in text show as `\t` `\r` `\n` so a row stays one line.
public struct TableFormatter: RowFormatter {
  private var layout: SpreadLayout
  /// Each held row's cells: text and whether it is a number.
  private var rows: [[(text: String, isNumber: Bool)]] = []

  public init(columns: [String], spread: [Bool] = []) {
    layout = SpreadLayout(columns: columns, spread: spread)
  }

  public mutating func begin(into out: inout [UInt8]) {}

  public mutating func write(_ row: [Value], into out: inout [UInt8]) {
    rows += layout.admit(row).rows.map(Self.cells)
  }

  public mutating func end(into out: inout [UInt8]) {
    rows += layout.finish().rows.map(Self.cells)
    let header = layout.header.map { Self.visible($0) }
    var widths = header.map(Self.displayWidth)
    for row in rows {
      for (k, cell) in row.enumerated() where k < widths.count {
        widths[k] = max(widths[k], Self.displayWidth(cell.text))
      }
    }
    var rule = "+"
    for w in widths { rule += String(repeating: "-", count: w + 2) + "+" }
    rule += "\n"
    var text = rule
    text += Self.line(header.map { ($0, false) }, widths)
    text += rule
    for row in rows { text += Self.line(row, widths) }
    if !rows.isEmpty { text += rule }
    out.append(contentsOf: text.utf8)
    rows = []
  }

  private static func cells(_ values: [Value]) -> [(text: String, isNumber: Bool)] {
    values.map { v in
      switch v {
      case .int, .double, .interval: return (plainText(v)!, true)
      case .null: return ("NULL", false)
      default: return (visible(plainText(v)!), false)
      }
    }
  }

  /// One bordered line, cells padded to `widths`.
  private static func line(_ cells: [(text: String, isNumber: Bool)], _ widths: [Int]) -> String {
    var s = "|"
    for (k, w) in widths.enumerated() {
      let cell: (text: String, isNumber: Bool) = k < cells.count ? cells[k] : ("", false)
      let pad = String(repeating: " ", count: w - displayWidth(cell.text))
      s += " " + (cell.isNumber ? pad + cell.text : cell.text + pad) + " |"
    }
    return s + "\n"
  }

  /// `text` with tab, CR and LF written as escapes.
  static func visible(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return text }
    var s = ""
    for ch in text.unicodeScalars {
      switch ch {
      case "\t": s += "\\t"
      case "\n": s += "\\n"
      case "\r": s += "\\r"
      default: s.unicodeScalars.append(ch)
      }
    }
    return s
  }

  /// Terminal cells `text` takes, per the approximation in the type's summary.
  static func displayWidth(_ text: String) -> Int {
    var width = 0
    for scalar in text.unicodeScalars {
      let v = scalar.value
      if v < 0x300 {
        width += 1
      } else if isZeroWidth(v) {
        continue
      } else if isWide(v) {
        width += 2
      } else {
        width += 1
      }
    }
    return width
  }

  private static func isZeroWidth(_ v: UInt32) -> Bool {
    switch v {
    case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
      0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F,
      0xFE20...0xFE2F, 0xE0100...0xE01EF:
      return true
    default:
      return false
    }
  }

  private static func isWide(_ v: UInt32) -> Bool {
    switch v {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
      0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
      return true
    default:
      return false
    }
  }
}
