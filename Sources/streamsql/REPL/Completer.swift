import Executor
import Planner
import SQLParser

/// What tab completion offers for a word, given the text before it: keywords, function and
/// aggregate names, stream names, and the field names inferred for the streams the statement
/// reads (nested paths too: after `device.` come `device.os`, `device.version`).
///
/// Pure: the REPL keeps it current (streams, fields) and `Completion` asks it from readline.
struct Completer {
  /// Declared stream names, as declared.
  var streams: [String] = []
  /// Field paths per stream (lowercased name), as a query names them.
  var fields: [String: [String]] = [:]
  /// Earlier lines of the statement being typed.
  var pending = ""

  static let metaCommands = [
    "\\help", "\\streams", "\\describe", "\\explain", "\\format", "\\timing", "\\quit",
  ]
  static let formats = OutputFormat.allCases.map(\.rawValue)

  /// Candidates for `word`; `before` is the current line up to the word.
  func candidates(for word: String, before: String) -> [String] {
    let line = before.trimmed
    if pending.isEmpty {
      if line.isEmpty && word.hasPrefix("\\") {
        return Self.metaCommands.filter { $0.hasPrefix(word.lowercased()) }
      }
      let lower = line.lowercased()
      if lower == "\\describe" || lower == "\\d" { return matching(streams, word) }
      if lower == "\\format" { return Self.formats.filter { $0.hasPrefix(word.lowercased()) } }
    }
    let previous = (pending + "\n" + before).split(whereSeparator: { $0.isWhitespace }).last.map {
      $0.uppercased()
    }
    if let previous, ["FROM", "JOIN", "DESCRIBE", "INTO", "DROP", "STREAM"].contains(previous),
      !word.contains(".")
    {
      return matching(streams + (previous == "FROM" ? ["stdin"] : []), word)
    }
    let paths = relevantFields(in: pending + "\n" + before)
    if word.contains(".") {
      return paths.filter { $0.hasPrefix(word) }.sorted()
    }
    var out = Set<String>()
    for path in paths
    where !path.contains(".") && !path.contains("[")
      && path.lowercased().hasPrefix(word.lowercased())
    {
      out.insert(path)
    }
    let upper = word.first.map { $0.isUppercase } ?? true
    for k in Parser.keywords where k.hasPrefix(word.uppercased()) {
      out.insert(upper ? k : k.lowercased())
    }
    let functions = ScalarFunction.allNames + AggregateFunction.allCases.map(\.rawValue)
    for f in functions where f.hasPrefix(word.lowercased()) {
      out.insert(upper && !word.isEmpty ? f.uppercased() : f)
    }
    for s in matching(streams, word) { out.insert(s) }
    return out.sorted()
  }

  private func matching(_ names: [String], _ word: String) -> [String] {
    names.filter { $0.lowercased().hasPrefix(word.lowercased()) }.sorted()
  }

  /// Fields of the streams named after FROM or JOIN in `text`; of every stream when none is.
  private func relevantFields(in text: String) -> [String] {
    let words = text.split(whereSeparator: {
      $0.isWhitespace || $0 == "," || $0 == "(" || $0 == ")" || $0 == ";"
    })
    var named: [String] = []
    for (i, w) in words.enumerated() where i + 1 < words.count {
      let u = w.uppercased()
      if u == "FROM" || u == "JOIN" {
        let name = words[i + 1].lowercased()
        if fields[name] != nil { named.append(name) }
      }
    }
    let keys = named.isEmpty ? Array(fields.keys) : named
    var seen = Set<String>()
    var out: [String] = []
    for k in keys.sorted() {
      for f in fields[k] ?? [] where seen.insert(f).inserted { out.append(f) }
    }
    return out
  }
}
