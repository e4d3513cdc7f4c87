import ArgumentParser
import Executor
import Planner
import SQLParser

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `streamsql [OPTIONS] 'QUERY'`, `streamsql -f script.sql`, `streamsql explain 'QUERY'`.
@main
struct StreamsqlCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "streamsql",
    abstract: "Continuous SQL over streams of JSON events.",
    discussion: """
      Reads NDJSON from stdin (or -i), runs the query continuously, and prints results as they \
      become final. Windows are on event time (TIMESTAMP BY) or processing time.

      Examples:
        tail -F access.ndjson | streamsql "SELECT status, COUNT(*) AS n FROM stdin TIMESTAMP BY ts \
      WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 5 SECONDS) GROUP BY status"
        streamsql -i 'logs/*.ndjson' "SELECT COUNT(DISTINCT user_id) AS active_users FROM stdin \
      TIMESTAMP BY ts WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS)"
        streamsql -f examples/clickstream.sql < examples/clickstream.ndjson
        streamsql explain "SELECT url, COUNT(*) FROM stdin GROUP BY url"
      """,
    version: StreamsqlCommand.version
  )

  static let version = "0.1.0"

  @OptionGroup var options: RunArguments

  @Argument(help: "The query (one statement, or several separated by ';').")
  var query: String?

  @Option(
    name: [.customShort("f"), .customLong("file")], help: "Run the statements of a script file.")
  var script: String?

  @Flag(
    help:
      "Start the interactive REPL (the default when stdin and stdout are terminals and no query is given); -i FILE becomes the stream 'input'."
  )
  var repl = false

  mutating func validate() throws {
    if query != nil && script != nil {
      throw ValidationError("give either a query or -f SCRIPT, not both")
    }
    if repl && (query != nil || script != nil) {
      throw ValidationError("--repl takes no query or script")
    }
  }

  func run() throws {
    let (text, name): (String, String)
    if let script {
      guard let contents = readTextFile(script) else {
        throw CLIExit(
          code: 2,
          message: "error: cannot read script '\(script)': \(String(cString: strerror(errno)))")
      }
      (text, name) = (contents, script)
    } else if let query {
      (text, name) = (query, "query")
    } else {
      if repl || (isatty(0) == 1 && isatty(1) == 1) {
        try REPL(arguments: options).run()
        return
      }
      throw CLIExit(code: 2, message: "error: no query given\n\n" + StreamsqlCommand.helpMessage())
    }
    try Session(arguments: options).execute(text, name: name)
  }
}

/// `streamsql explain 'QUERY'`: print the operator DAG and run nothing.
struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain", abstract: "Print the operator DAG of a query or script; run nothing.")

  @Argument(help: "The query (or several statements separated by ';').")
  var query: String?

  @Option(
    name: [.customShort("f"), .customLong("file")], help: "Explain the statements of a script file."
  )
  var script: String?

  func run() throws {
    var text = query ?? ""
    var name = "query"
    if let script {
      guard let contents = readTextFile(script) else {
        throw CLIExit(code: 2, message: "error: cannot read script '\(script)'")
      }
      text = contents
      name = script
    }
    guard !text.isEmpty else { throw CLIExit(code: 2, message: "error: explain needs a query") }
    let planned = try Session.plan(text, name: name)
    print(planned.planner.plan.explain(), terminator: "")
  }
}

/// Ends the process with a SPEC exit status and a message on stderr.
struct CLIExit: Error {
  var code: Int32
  var message: String
}

/// Reads a whole file as UTF-8 text, or nil.
func readTextFile(_ path: String) -> String? {
  guard let f = fopen(path, "rb") else { return nil }
  defer { fclose(f) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = fread(&chunk, 1, chunk.count, f)
    if n <= 0 { break }
    bytes.append(contentsOf: chunk[0..<n])
  }
  return String(decoding: bytes, as: UTF8.self)
}

extension StreamsqlCommand {
  /// Parses the command line and runs it, mapping every failure to SPEC 1's exit status:
  /// 2 for usage and query errors, 1 for runtime failures.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    // `explain` is a subcommand, but the root also takes a positional query; dispatch by hand so
    // that a query is never mistaken for a subcommand name and vice versa.
    if arguments.first == "explain" {
      do {
        var command = try ExplainCommand.parseAsRoot(Array(arguments.dropFirst()))
        try command.run()
      } catch {
        finish(with: error, command: ExplainCommand.self)
      }
      return
    }
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      finish(with: error, command: StreamsqlCommand.self)
    }
  }

  private static func finish(with error: Error, command: any ParsableCommand.Type) -> Never {
    do {
      throw error
    } catch let exit as CLIExit {
      writeStderr(exit.message + "\n")
      Glibc.exit(exit.code)
    } catch {
      if command.exitCode(for: error) == .success {
        writeStdout(command.fullMessage(for: error) + "\n")
        Glibc.exit(0)
      }
      writeStderr(command.fullMessage(for: error) + "\n")
      Glibc.exit(2)
    }
  }
}
