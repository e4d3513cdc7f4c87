import Planner

/// The table format for a continuous query on a terminal: each row is printed as it arrives,
/// aligned, without waiting for the end of input as `TableFormatter` must.
///
///     +-----+---+
///     | url | n |
///     +-----+---+
///     | /a  | 3 |
///     | /bb | 12 |     <- a wider value widens its column from this row on
///     +-----+---+
///
/// Column widths start as wide as the header and the first row; a later, wider value widens its
/// column from that row on (earlier rows stay as printed). The closing rule is written at `end`.
public struct StreamingTableFormatter: RowFormatter {
  private var layout: SpreadLayout
  private var widths: [Int] = []
  private var started = false

  public init(columns: [String], spread: [Bool] = []) {
    layout = SpreadLayout(columns: columns, spread: spread)
  }

  public mutating func begin(into out: inout [UInt8]) {}

  public mutating func write(_ row: [Value], into out: inout [UInt8]) {
    for r in layout.admit(row).rows { emit(r, into: &out) }
  }

  public mutating func end(into out: inout [UInt8]) {
    for r in layout.finish().rows { emit(r, into: &out) }
    if !started {
      let header = layout.header.map(TableFormatter.visible)
      widths = header.map(TableFormatter.displayWidth)
      out.append(contentsOf: (rule + line(header.map { ($0, false) }) + rule).utf8)
      return
    }
    out.append(contentsOf: rule.utf8)
  }

  private mutating func emit(_ values: [Value], into out: inout [UInt8]) {
    let cells = values.map(Self.cell)
    var text = ""
    if !started {
      started = true
      let header = layout.header.map(TableFormatter.visible)
      widths = header.map(TableFormatter.displayWidth)
      for (k, c) in cells.enumerated() where k < widths.count {
        widths[k] = max(widths[k], TableFormatter.displayWidth(c.text))
      }
      text += rule + line(header.map { ($0, false) }) + rule
    } else {
      for (k, c) in cells.enumerated() where k < widths.count {
        widths[k] = max(widths[k], TableFormatter.displayWidth(c.text))
      }
    }
    text += line(cells)
    out.append(contentsOf: text.utf8)
  }

  private var rule: String {
    "+" + widths.map { String(repeating: "-", count: $0 + 2) + "+" }.joined() + "\n"
  }

  private func line(_ cells: [(text: String, isNumber: Bool)]) -> String {
    var s = "|"
    for (k, w) in widths.enumerated() {
      let cell: (text: String, isNumber: Bool) = k < cells.count ? cells[k] : ("", false)
      let pad = String(repeating: " ", count: max(0, w - TableFormatter.displayWidth(cell.text)))
      s += " " + (cell.isNumber ? pad + cell.text : cell.text + pad) + " |"
    }
    return s + "\n"
  }

  private static func cell(_ v: Value) -> (text: String, isNumber: Bool) {
    switch v {
    case .int, .double, .interval: return (plainText(v)!, true)
    case .null: return ("NULL", false)
    default: return (TableFormatter.visible(plainText(v)!), false)
    }
  }
}
