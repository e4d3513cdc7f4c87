@preconcurrency import CReadline

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// readline's side of tab completion: C callbacks (no captures) over a `Completer` held here.
enum Completion {
  /// Kept current by the REPL; read only from the REPL's thread, inside readline.
  nonisolated(unsafe) static var completer = Completer()
  nonisolated(unsafe) private static var matches: [String] = []
  nonisolated(unsafe) private static var next = 0

  /// Word breaks as in SQL: not `.` (nested paths) nor `\` (meta commands) nor `_`.
  static func install() {
    rl_completer_word_break_characters = UnsafePointer(strdup(" \t\n\"'`@$><=;|&{(),+-*/%"))
    rl_completer_quote_characters = UnsafePointer(strdup("'"))
    rl_attempted_completion_function = { text, start, _ in
      let word = text.map { String(cString: $0) } ?? ""
      let line = rl_line_buffer.map { String(cString: $0) } ?? ""
      let before = String(decoding: line.utf8.prefix(Int(start)), as: UTF8.self)
      // Inside a string literal: let readline complete file names.
      if before.filter({ $0 == "'" }).count % 2 == 1 { return nil }
      rl_attempted_completion_over = 1
      Completion.matches = Completion.completer.candidates(for: word, before: before)
      Completion.next = 0
      if Completion.matches.count == 1, let only = Completion.matches.first,
        Completion.completer.hasChildren(only)
      {
        rl_completion_suppress_append = 1
      }
      return rl_completion_matches(text) { _, state in
        if state == 0 { Completion.next = 0 }
        guard Completion.next < Completion.matches.count else { return nil }
        defer { Completion.next += 1 }
        return strdup(Completion.matches[Completion.next])
      }
    }
  }
}

extension Completer {
  /// Whether `path` is an object with fields of its own (no space after completing it).
  func hasChildren(_ path: String) -> Bool {
    fields.values.contains { $0.contains { $0.hasPrefix(path + ".") } }
  }
}
