import Foundation

/// A parsed `.test` golden file: the cases, and where each expected block sits so that
/// `STREAMSQL_RECORD=1` can rewrite it in place.
///
/// The format (also described in `goldens/README.md`) is line based, sqllogictest-like:
///
///     # a comment (also blank lines between cases)
///     input clicks.ndjson          stdin of the following cases: goldens/inputs/clicks.ndjson
///     input                        stdin given inline, up to the `----` line
///     {"ts":1,"url":"/a"}
///     ----
///     input none                   stdin is empty (the default)
///     file logs/a.ndjson           a file written into each following case's working directory
///     {"ts":1}
///     ----
///
///     query [rowsort]              run `streamsql ARGS 'SQL'`
///     args: --format csv           extra command-line arguments (before the SQL; '...' quotes)
///     stderr: 2 late events        stderr must contain this text (repeatable)
///     stderr-regex: ^error:        stderr must match this regular expression (repeatable)
///     stdout: USAGE:               stdout must contain this text (repeatable; then the expected
///                                  block may be left out, e.g. for output with blank lines)
///     SELECT url FROM stdin        the SQL, up to `----` (no blank lines inside)
///     ----
///     {"url":"/a"}                 the expected stdout, up to a blank line
///     ---- file late.ndjson        optional: expected contents of a file the run wrote
///     {"ts":1}
///
///     script [rowsort]             the SQL is written to script.sql and run with `-f script.sql`
///     run                          no SQL: only `args:` (e.g. `--version`); the body is empty
///
///     query error [exit=N] REGEX   the run must exit with N (default 2) and stderr must match
///     SELECT ...                   REGEX; an optional `----` block gives stderr verbatim
///                                  (`statement error` is a synonym of `query error`)
///
/// Each case runs in a fresh temporary directory (holding the `file` blocks declared so far),
/// which is its current directory, so relative paths in args and SQL stay inside it.
struct GoldenFile {
  enum Kind: String { case query, script, run, statement }

  /// An expected block: lines `range` of the file (without the `----` line above it).
  struct Block {
    var header: String?  // nil for stdout / stderr; "file NAME" for a file check
    var range: Range<Int>
    var lines: [String]
  }

  struct Case: CustomStringConvertible {
    var line: Int
    var kind: Kind
    var rowsort = false
    var expectError = false
    var exitStatus: Int32 = 0
    var stderrRegex: [String] = []
    var stderrContains: [String] = []
    var stdoutContains: [String] = []
    var args: [String] = []
    var sql: String = ""
    var stdin: Data = Data()
    var files: [(String, Data)] = []
    /// stdout (or stderr for an error case) first, then `file` checks.
    var blocks: [Block] = []
    var description: String { "line \(line): \(sql.split(separator: "\n").first ?? "")" }
  }

  var lines: [String]
  var cases: [Case] = []

  struct FormatError: Error, CustomStringConvertible {
    var description: String
  }

  init(text: String, inputsDirectory: URL) throws {
    lines = text.components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    var i = 0
    var stdin = Data()
    var files: [(String, Data)] = []

    func block(until stop: (String) -> Bool) -> Range<Int> {
      let start = i
      while i < lines.count, !stop(lines[i]) { i += 1 }
      return start..<i
    }
    func content(_ r: Range<Int>) -> Data {
      Data(lines[r].map { $0 + "\n" }.joined().utf8)
    }

    while i < lines.count {
      let line = lines[i]
      let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") {
        i += 1
        continue
      }
      let headerLine = i + 1
      i += 1
      switch words[0] {
      case "input":
        if words.count == 1 {
          let r = block { $0 == "----" }
          guard i < lines.count else {
            throw FormatError(description: "line \(headerLine): input block without ----")
          }
          i += 1
          stdin = content(r)
        } else if words[1] == "none" {
          stdin = Data()
        } else {
          stdin = try Data(contentsOf: inputsDirectory.appendingPathComponent(words[1]))
        }
      case "file":
        guard words.count == 2 else {
          throw FormatError(description: "line \(headerLine): file NAME")
        }
        let r = block { $0 == "----" }
        guard i < lines.count else {
          throw FormatError(description: "line \(headerLine): file block without ----")
        }
        i += 1
        files.removeAll { $0.0 == words[1] }
        files.append((words[1], content(r)))
      case "query", "script", "run", "statement":
        var c = Case(line: headerLine, kind: Kind(rawValue: words[0]) ?? .query)
        c.stdin = stdin
        c.files = files
        var rest = Array(words.dropFirst())
        if rest.first == "rowsort" {
          c.rowsort = true
          rest.removeFirst()
        }
        if rest.first == "error" {
          c.expectError = true
          c.exitStatus = 2
          rest.removeFirst()
          if let e = rest.first, e.hasPrefix("exit="), let n = Int32(e.dropFirst(5)) {
            c.exitStatus = n
            rest.removeFirst()
          }
          if !rest.isEmpty { c.stderrRegex.append(rest.joined(separator: " ")) }
        } else if words[0] == "statement" {
          throw FormatError(
            description: "line \(headerLine): 'statement' is only used as 'statement error'")
        }
        // Modifier lines.
        while i < lines.count {
          let m = lines[i]
          if m.hasPrefix("args:") {
            c.args += try Self.splitArguments(String(m.dropFirst(5)), line: i + 1)
          } else if m.hasPrefix("stderr:") {
            c.stderrContains.append(String(m.dropFirst(7)).trimmingCharacters(in: .whitespaces))
          } else if m.hasPrefix("stdout:") {
            c.stdoutContains.append(String(m.dropFirst(7)).trimmingCharacters(in: .whitespaces))
          } else if m.hasPrefix("stderr-regex:") {
            c.stderrRegex.append(String(m.dropFirst(13)).trimmingCharacters(in: .whitespaces))
          } else {
            break
          }
          i += 1
        }
        // The SQL ends at `----` or at a blank line (so SQL holds no blank lines); `run` has none.
        let sqlRange = c.kind == .run ? i..<i : block { $0 == "----" || $0.isEmpty }
        c.sql = lines[sqlRange].joined(separator: "\n")
        if c.kind != .run && c.sql.isEmpty {
          throw FormatError(description: "line \(headerLine): \(words[0]) without SQL")
        }
        if i < lines.count, lines[i] == "----" {
          i += 1
          let r = block { $0.isEmpty || $0.hasPrefix("---- file ") }
          c.blocks.append(Block(header: nil, range: r, lines: Array(lines[r])))
          while i < lines.count, lines[i].hasPrefix("---- file ") {
            let header = String(lines[i].dropFirst(5))
            i += 1
            let r = block { $0.isEmpty || $0.hasPrefix("---- file ") }
            c.blocks.append(Block(header: header, range: r, lines: Array(lines[r])))
          }
        } else if !c.expectError && c.stdoutContains.isEmpty {
          throw FormatError(description: "line \(headerLine): expected ---- after the SQL")
        }
        cases.append(c)
      default:
        throw FormatError(description: "line \(headerLine): unknown directive '\(words[0])'")
      }
    }
  }

  /// Splits `--format csv -i 'a b.ndjson'` on spaces, keeping single-quoted words whole.
  static func splitArguments(_ s: String, line: Int) throws -> [String] {
    var out: [String] = []
    var current = ""
    var inWord = false
    var quoted = false
    for ch in s {
      if quoted {
        if ch == "'" { quoted = false } else { current.append(ch) }
      } else if ch == "'" {
        quoted = true
        inWord = true
      } else if ch == " " || ch == "\t" {
        if inWord { out.append(current) }
        current = ""
        inWord = false
      } else {
        current.append(ch)
        inWord = true
      }
    }
    if quoted { throw FormatError(description: "line \(line): unterminated quote in args") }
    if inWord { out.append(current) }
    return out
  }

  /// The file's text with each expected block replaced by `replacement(caseIndex, blockIndex)`.
  func rewritten(_ replacement: (Int, Int) -> [String]?) -> String {
    var out = lines
    var edits: [(Range<Int>, [String])] = []
    for (ci, c) in cases.enumerated() {
      for (bi, b) in c.blocks.enumerated() {
        if let r = replacement(ci, bi) { edits.append((b.range, r)) }
      }
    }
    for (range, new) in edits.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
      out.replaceSubrange(range, with: new)
    }
    return out.map { $0 + "\n" }.joined()
  }
}
