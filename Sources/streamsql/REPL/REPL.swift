import Executor
import Planner
import SQLParser

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The interactive session (SPEC 10): reads statements with readline, keeps the declared streams
/// in one `ScriptPlanner`, and runs each query to the end of its input or to Ctrl-C.
///
/// Each query is planned on a copy of the session's planner, so it runs alone (reading its
/// source from the start) and is not carried into later runs; CREATE and DROP STREAM are
/// planned on the session's planner itself, all or nothing.
final class REPL {
  static let prompt = "streamsql> "
  static let continuation = "      ...> "

  private var planner = ScriptPlanner()
  private var options: RunOptions
  private var timing = false
  private var samples = StreamSamples()
  private let editor: LineEditor

  /// Opens the session; with `-i` inputs they are declared as the stream `input`.
  init(arguments: RunArguments) throws {
    options = try arguments.runOptions()
    if options.inputs.contains("-") || options.inputs.contains("stdin") {
      throw CLIExit(
        code: 2,
        message:
          "error: the REPL reads statements from stdin; give -i a file, or declare streams with CREATE STREAM"
      )
    }
    editor = LineEditor(historyPath: LineEditor.defaultHistoryPath)
    if !options.inputs.isEmpty {
      let statement = try! Parser.parseStatement("CREATE STREAM input WITH (source = 'stdin')")
      _ = try? planner.add(statement)
      samples.sample("input", paths: options.inputs)
    }
    refreshCompletion()
  }

  /// Reads and runs statements until Ctrl-D or `\quit`.
  func run() {
    Signals.exitsOnSecondInterrupt = false
    Signals.install()
    // A parent may have left SIGINT blocked (a thread pool's mask survives exec); Ctrl-C must work.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigprocmask(SIG_UNBLOCK, &unblock, nil)
    writeStdout("streamsql \(StreamsqlCommand.version). Type \\help for help, Ctrl-D to leave.\n")
    if !options.inputs.isEmpty {
      writeStdout("The input (\(options.inputs.joined(separator: ", "))) is the stream 'input'.\n")
    }
    var buffer = ""
    while true {
      Completion.completer.pending = buffer
      switch editor.read(prompt: buffer.isEmpty ? REPL.prompt : REPL.continuation) {
      case .endOfFile:
        writeStdout("\n")
        return
      case .interrupt:
        buffer = ""
      case .line(let line):
        if buffer.isEmpty {
          let command = line.trimmed
          if command.isEmpty { continue }
          if command.hasPrefix("\\") {
            editor.remember(command)
            if !meta(command) { return }
            continue
          }
          if ["quit", "exit"].contains(command.lowercased()) { return }
        }
        buffer += buffer.isEmpty ? line : "\n" + line
        if Parser.isComplete(buffer) {
          editor.remember(buffer)
          let text = buffer
          buffer = ""
          timed { execute(text) }
        }
      }
    }
  }

  /// Runs a meta command; false when the session should end.
  private func meta(_ text: String) -> Bool {
    let command: MetaCommand
    switch MetaCommand.parse(text) {
    case .failure(let error):
      writeStderr("error: \(error.message)\n")
      return true
    case .success(let c): command = c
    }
    switch command {
    case .quit: return false
    case .help: writeStdout(MetaCommand.helpText)
    case .streams: timed { execute("SHOW STREAMS;") }
    case .describe(let name): timed { execute("DESCRIBE \(name);") }
    case .explain(let statement): timed { execute("EXPLAIN \(statement)") }
    case .timing:
      timing.toggle()
      writeStdout("Timing is \(timing ? "on" : "off").\n")
    case .format(nil):
      writeStdout("Output format is \(options.format.rawValue).\n")
    case .format(let name?):
      guard let format = OutputFormat(rawValue: name) else {
        writeStderr(
          "error: unknown format '\(name)' (\(Completer.formats.joined(separator: ", ")))\n")
        return true
      }
      options.format = format
      writeStdout("Output format is \(format.rawValue).\n")
    }
    return true
  }

  private func timed(_ body: () -> Void) {
    let started = REPL.monotonicMillis()
    body()
    if timing {
      let tenths = Int(((REPL.monotonicMillis() - started) * 10).rounded())
      writeStdout("Time: \(tenths / 10).\(tenths % 10) ms\n")
    }
  }

  /// Parses and runs the statements of `text` in order; an error ends the text, not the session.
  func execute(_ text: String) {
    let statements: [Statement]
    do throws(Diagnostic) {
      statements = try Parser.parseScript(text)
    } catch {
      writeStderr(error.render(source: text, name: "repl"))
      return
    }
    for statement in statements {
      var scratch = planner
      let outcome: ScriptPlanner.Outcome
      do throws(Diagnostic) {
        outcome = try scratch.add(statement)
      } catch {
        writeStderr(error.render(source: text, name: "repl"))
        return
      }
      switch outcome {
      case .message(let message):
        planner = scratch
        catalogChanged(by: statement)
        writeStdout(message + "\n")
      case .explain(let plan):
        writeStdout(plan.hasSuffix("\n") ? plan : plan + "\n")
      case .table(let columns, let rows):
        if case .describe(let name) = statement.kind, let described = describe(name) {
          printTable(columns: described.columns, rows: described.rows)
        } else {
          printTable(columns: columns, rows: rows)
        }
      case .query:
        if !runQuery(scratch.plan) { return }
      }
    }
  }

  /// Runs one query until its input ends or Ctrl-C; false when it was cancelled or failed.
  private func runQuery(_ plan: ScriptPlan) -> Bool {
    if options.inputs.isEmpty, plan.sources.contains(where: { $0.location == .commandLine }) {
      writeStderr(
        "error: in the REPL stdin is the terminal; read a file (FROM 'file.ndjson'), declare a stream "
          + "(CREATE STREAM s WITH (source = 'file.ndjson')), or start with streamsql --repl -i FILE\n"
      )
      return false
    }
    var runOptions = options
    let terminal = options.outputPath == nil && isTerminal(1)
    runOptions.liveTable = terminal
    runOptions.streamingTable = terminal && !plan.sources.allSatisfy { isFinite($0.location) }
    Signals.reset()
    defer { Signals.reset() }
    // While a query prints, keystrokes (and the "^C" that cancels it) are not echoed into its
    // output; what is typed waits for the next prompt.
    var saved = termios()
    let quiet = tcgetattr(0, &saved) == 0
    if quiet {
      var mode = saved
      mode.c_lflag &= ~tcflag_t(ECHO | ECHOCTL)
      tcsetattr(0, TCSANOW, &mode)
    }
    defer { if quiet { tcsetattr(0, TCSANOW, &saved) } }
    let summary: ScriptRunner.Summary
    do throws(RunError) {
      let runner = try ScriptRunner(plan: plan, options: runOptions)
      summary = try runner.run()
    } catch {
      // Ctrl-C while opening a FIFO that has no writer yet interrupts open(2).
      writeStderr(Signals.stopRequested ? "Query cancelled.\n" : "error: \(error.message)\n")
      return false
    }
    let cancelled = Signals.stopRequested
    for warning in summary.warnings { writeStderr(warning + "\n") }
    if options.printStats { writeStderr(summary.stats.report) }
    if cancelled {
      writeStdout("Query cancelled.\n")
      return false
    }
    if options.format == .table && options.outputPath == nil
      && plan.queries.allSatisfy({ $0.sink == .standardOutput && $0.emit != .changes })
    {
      let n = summary.stats.rowsOut
      writeStdout("(\(n) row\(n == 1 ? "" : "s"))\n")
    }
    return true
  }

  /// Whether a source surely ends: it names regular files only, not followed. A FIFO, socket,
  /// socket URL or device may run forever, so its rows are printed as they come rather than as
  /// one table at the end.
  private func isFinite(_ location: SourceLocation) -> Bool {
    let patterns: [String]
    switch location {
    case .path(let p): patterns = [p]
    case .commandLine: patterns = options.inputs
    }
    // A socket never ends by itself, nor does a followed file.
    if options.follow { return false }
    return patterns.allSatisfy { pattern in
      !pattern.contains("://")
        && StreamSamples.expand(pattern).allSatisfy { path in
          var info = stat()
          return stat(path, &info) != 0 || (info.st_mode & S_IFMT) == S_IFREG
        }
    }
  }

  /// Keeps samples and completion in step with CREATE and DROP STREAM.
  private func catalogChanged(by statement: Statement) {
    switch statement.kind {
    case .createStream(let create):
      if let entry = planner.catalog.lookup(create.name), case .source(let location) = entry.kind {
        switch location {
        case .path(let path): samples.sample(create.name, paths: [path])
        case .commandLine: samples.sample(create.name, paths: options.inputs)
        }
      }
    case .dropStream(let name, _):
      samples.forget(name)
    default: break
    }
    refreshCompletion()
  }

  private func refreshCompletion() {
    var fields = samples.fieldPaths
    var scratch = planner
    for entry in planner.catalog.entries {
      if case .source = entry.kind, !entry.columns.isEmpty {
        fields[entry.name.lowercased(), default: []] += entry.columns.map(\.name)
      }
      if case .view = entry.kind,
        let statement = try? Parser.parseStatement("DESCRIBE \"\(entry.name)\""),
        case .table(_, let rows)? = try? scratch.add(statement)
      {
        fields[entry.name.lowercased()] = rows.compactMap {
          if case .string(let s)? = $0.first { return s } else { return nil }
        }
      }
    }
    Completion.completer.streams = planner.catalog.entries.map(\.name)
    Completion.completer.fields = fields
  }

  /// DESCRIBE of a source stream, with the fields inferred from a fresh sample: each field's
  /// declared type (if any), the types seen and in how many of the sampled rows.
  private func describe(_ name: String) -> (columns: [String], rows: [[Value]])? {
    guard let entry = planner.catalog.lookup(name),
      let paths = StreamDescription.paths(of: entry, inputs: options.inputs)
    else {
      return nil
    }
    samples.sample(entry.name, paths: paths)
    return (
      StreamDescription.columns, StreamDescription.rows(for: entry, inferred: samples[entry.name])
    )
  }

  private func printTable(columns: [String], rows: [[Value]]) {
    var formatter = options.format.makeFormatter(columns: columns)
    var bytes: [UInt8] = []
    formatter.begin(into: &bytes)
    for row in rows { formatter.write(row, into: &bytes) }
    formatter.end(into: &bytes)
    writeStdout(String(decoding: bytes, as: UTF8.self))
  }

  static func monotonicMillis() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
  }
}
