/// An error in a query, pointing at the text that caused it.
///
/// Parser, binder and planner errors all become a `Diagnostic`; the CLI and REPL render it in one
/// place, with the line, the column and a caret under the offending text:
///
///     error: column 'usr' not found
///      --> query:1:8
///     1 | SELECT usr, count(*) FROM clicks
///       |        ^^^ did you mean 'user_id'?
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var span: SourceSpan
  /// A hint printed after the caret (`did you mean 'user_id'?`).
  public var note: String?

  public init(_ message: String, span: SourceSpan, note: String? = nil) {
    self.message = message
    self.span = span
    self.note = note
  }

  public var description: String { "error: \(message)" }

  /// Line and column (both 1-based, column counted in characters) of `offset` in `source`.
  public static func location(of offset: Int, in source: String) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    var index = 0
    for scalar in source.unicodeScalars {
      if index >= offset { break }
      index += String(scalar).utf8.count
      if scalar == "\n" {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return (line, column)
  }

  /// The message with a location line, the source line and a caret under the span.
  public func render(source: String, name: String = "query") -> String {
    let (line, column) = Diagnostic.location(of: span.start, in: source)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    let text = line - 1 < lines.count ? String(lines[line - 1]) : ""
    let endOffset = max(span.end, span.start + 1)
    let (endLine, endColumn) = Diagnostic.location(of: endOffset, in: source)
    let width = endLine == line ? max(1, endColumn - column) : max(1, text.count - column + 1)
    let gutter = String(repeating: " ", count: String(line).count)
    var out = "error: \(message)\n"
    out += "\(gutter)--> \(name):\(line):\(column)\n"
    out += "\(line) | \(text)\n"
    out +=
      "\(gutter) | " + String(repeating: " ", count: column - 1)
      + String(repeating: "^", count: width)
    if let note { out += " \(note)" }
    return out + "\n"
  }
}
