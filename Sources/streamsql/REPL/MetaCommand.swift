/// A backslash command of the REPL (SPEC 10), as psql has them.
enum MetaCommand: Equatable {
  case help
  case streams
  case describe(String)
  case explain(String)
  case format(String?)
  case timing
  case quit

  /// Parses `\name argument`; an unknown command is an error message.
  static func parse(_ text: String) -> Result<MetaCommand, MetaCommandError> {
    let body = text.dropFirst()
    let name = body.prefix { !$0.isWhitespace }.lowercased()
    var argument = body.dropFirst(name.count).trimmingCharacters()
    switch name {
    case "help", "?", "h": return .success(.help)
    case "streams", "dt": return .success(.streams)
    case "d" where argument.isEmpty: return .success(.streams)
    case "describe", "d":
      if argument.hasSuffix(";") { argument = String(argument.dropLast()).trimmed }
      guard !argument.isEmpty else {
        return .failure(.init("\\describe needs a stream name, e.g. \\describe input"))
      }
      return .success(.describe(argument))
    case "explain":
      guard !argument.isEmpty else {
        return .failure(.init("\\explain needs a statement, e.g. \\explain SELECT * FROM input"))
      }
      return .success(.explain(argument))
    case "format", "f": return .success(.format(argument.isEmpty ? nil : argument.lowercased()))
    case "timing": return .success(.timing)
    case "quit", "q", "exit": return .success(.quit)
    default: return .failure(.init("unknown command \\\(name); \\help lists them"))
    }
  }

  static let helpText = """
    Type SQL statements ending with ';' (they may span lines). A continuous query runs until its
    input ends or until Ctrl-C, which cancels it and keeps the session's streams. Ctrl-D leaves.

      CREATE STREAM clicks WITH (source = 'clicks.ndjson', timestamp = 'ts');
      SELECT url, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url;
      SHOW STREAMS;   DESCRIBE clicks;   EXPLAIN SELECT ...;   DROP STREAM clicks;

    Commands:
      \\help               this text
      \\streams            the declared streams (SHOW STREAMS)
      \\describe NAME      a stream's fields: declared, or inferred from its rows, with types and counts
      \\explain STMT       the operator DAG of a statement; runs nothing
      \\format FMT         output format: table, ndjson, csv or tsv
      \\timing             print how long each statement took (toggle)
      \\quit               leave (or Ctrl-D)

    Tab completes keywords, functions, stream names and field names (device.<TAB> for nested ones).

    """
}

/// A meta command that could not be parsed.
struct MetaCommandError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}
