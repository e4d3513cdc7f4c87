import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// EMIT CHANGES on a terminal: a table redrawn in place, as `top` does, left on screen when the
/// query ends (SPEC 6).
///
/// It reads a changelog (its first column is `op`: `+I`, `-U`, `+U`, `-D`), so it keeps exactly
/// the current result: `-U` takes a row out, the `+U` that follows puts the new row in its place.
/// Redraws are throttled to one per `interval` milliseconds (plus one whenever the input would
/// block, `drawPending`, and the final one at `end`), each
/// moving the cursor up over the previous drawing (`ESC[nA`) and clearing below it (`ESC[J`).
/// When the result is taller than the terminal, the last rows that fit are shown under a line
/// saying how many are hidden.
public struct LiveTableFormatter: RowFormatter {
  private var layout: SpreadLayout
  private let hasOp: Bool
  /// The current result, in first-seen order.
  private var rows: [[Value]] = []
  /// Where the row taken out by the last `-U` was, for the `+U` that follows.
  private var vacated: Int?
  /// Terminal lines the last drawing took.
  private var drawnLines = 0
  private var lastDrawMillis: Int64 = .min
  private var dirty = false
  public var interval: Int64 = 100

  public init(columns: [String], spread: [Bool] = []) {
    hasOp = columns.first == "op"
    let drop = hasOp ? 1 : 0
    layout = SpreadLayout(
      columns: Array(columns.dropFirst(drop)), spread: Array(spread.dropFirst(drop)))
  }

  public mutating func begin(into out: inout [UInt8]) {}

  public mutating func write(_ row: [Value], into out: inout [UInt8]) {
    var op = "+I"
    var values = row
    if hasOp, case .string(let o)? = row.first {
      op = o
      values.removeFirst()
    }
    switch op {
    case "-U", "-D":
      if let i = rows.lastIndex(of: values) {
        rows.remove(at: i)
        vacated = op == "-U" ? i : nil
      }
    case "+U":
      if let i = vacated, i <= rows.count {
        rows.insert(values, at: i)
      } else {
        rows.append(values)
      }
      vacated = nil
    default:
      rows.append(values)
    }
    layout.learn(from: values)
    dirty = true
    let now = Clock.monotonicMicros() / 1000
    // A `-U` is half an update: wait for its `+U`.
    if op != "-U", now &- lastDrawMillis >= interval || lastDrawMillis == .min {
      draw(into: &out, now: now)
    }
  }

  /// The input would block: draw the changes the throttle held back, so a quiet source does not
  /// leave a stale table on screen.
  public mutating func drawPending(into out: inout [UInt8]) {
    if dirty && vacated == nil { draw(into: &out, now: Clock.monotonicMicros() / 1000) }
  }

  public mutating func end(into out: inout [UInt8]) {
    if !layout.isResolved { layout.learn(from: nil, force: true) }
    if dirty || drawnLines == 0 { draw(into: &out, now: Clock.monotonicMicros() / 1000) }
  }

  private mutating func draw(into out: inout [UInt8], now: Int64) {
    guard layout.isResolved else { return }
    lastDrawMillis = now
    dirty = false
    let (height, width) = Self.terminalSize()
    let room = max(1, height - 6)
    let shown = rows.suffix(room)
    var table = TableFormatter(columns: layout.header)
    var text: [UInt8] = []
    for row in shown { table.write(layout.flatten(row), into: &text) }
    table.end(into: &text)
    var lines = String(decoding: text, as: UTF8.self).split(
      separator: "\n", omittingEmptySubsequences: false
    ).dropLast().map(String.init)
    if rows.count > shown.count {
      lines.insert("(\(rows.count - shown.count) more rows above; \(rows.count) in all)", at: 0)
    }
    var screen = "\r"
    if drawnLines > 0 { screen += "\u{1B}[\(drawnLines)A" }
    screen += "\u{1B}[J"
    drawnLines = 0
    for line in lines {
      screen += line + "\n"
      let cells = TableFormatter.displayWidth(line)
      drawnLines += max(1, (cells + width - 1) / width)
    }
    out.append(contentsOf: screen.utf8)
  }

  /// Rows and columns of the terminal on stdout; 24×80 when it is not one.
  static func terminalSize() -> (rows: Int, columns: Int) {
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else {
      return (24, 80)
    }
    return (Int(size.ws_row), Int(size.ws_col))
  }
}
