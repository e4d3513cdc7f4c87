import Executor
import Planner
import SQLParser

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One command-line run: parse and plan every statement before any input is read (query errors
/// exit 2), print what planning alone answers (SHOW STREAMS, DESCRIBE, EXPLAIN), then run the
/// continuous queries (runtime failures exit 1).
struct Session {
  let arguments: RunArguments

  /// Parses and plans `text`; a query error becomes exit status 2 with a caret diagnostic.
  static func plan(_ text: String, name: String) throws -> (
    planner: ScriptPlanner, outcomes: [ScriptPlanner.Outcome]
  ) {
    var planner = ScriptPlanner()
    do {
      let statements = try Parser.parseScript(text)
      guard !statements.isEmpty else {
        throw CLIExit(code: 2, message: "error: no statement to run")
      }
      let outcomes = try planner.add(script: statements)
      return (planner, outcomes)
    } catch let diagnostic as Diagnostic {
      throw CLIExit(
        code: 2, message: diagnostic.render(source: text, name: name).trimmingSuffixNewline)
    }
  }

  func execute(_ text: String, name: String) throws {
    var options = try arguments.runOptions()
    try CheckpointSetup.validate(arguments)
    let (planner, outcomes) = try Session.plan(text, name: name)
    let statements = (try? Parser.parseScript(text)) ?? []
    for (k, outcome) in outcomes.enumerated() {
      switch outcome {
      case .query, .message: continue
      case .explain(let text): writeStdout(text)
      case .table(var columns, var rows):
        if k < statements.count, case .describe(let stream) = statements[k].kind,
          let sampled = StreamDescription.sampled(
            stream, catalog: planner.catalog, inputs: options.inputs)
        {
          (columns, rows) = (StreamDescription.columns, sampled)
        }
        var formatter = options.format.makeFormatter(columns: columns, spread: [])
        var bytes: [UInt8] = []
        formatter.begin(into: &bytes)
        for row in rows { formatter.write(row, into: &bytes) }
        formatter.end(into: &bytes)
        writeStdout(String(decoding: bytes, as: UTF8.self))
      }
    }
    let plan = planner.plan
    guard !plan.queries.isEmpty else { return }
    try RunArguments.checkReplay(plan, options)
    if let problem = KafkaSupport.refusal(plan: plan, options: options) {
      throw CLIExit(code: 2, message: "error: \(problem)")
    }
    options.checkpoint = try CheckpointSetup.settings(arguments, plan: plan, options: options)
    // The table format on a terminal: EMIT CHANGES is a live table redrawn in place (SPEC 6),
    // and rows from an input that may never end (`tail -F | streamsql`) print as they come
    // instead of waiting for an end that does not come.
    if options.format == .table && options.outputPath == nil && isTerminal(1) {
      options.liveTable = true
      options.streamingTable = Session.mayNeverEnd(plan, options)
    }
    Signals.install()
    do throws(RunError) {
      let runner = try ScriptRunner(plan: plan, options: options)
      let summary = try runner.run()
      for warning in summary.warnings { writeStderr(warning + "\n") }
      if options.printStats { writeStderr(summary.stats.report) }
    } catch {
      throw CLIExit(code: 1, message: "error: \(error.message)")
    }
  }
}

extension Session {
  /// True when some source may never end: stdin that is not a regular file (a pipe, a
  /// terminal), a socket, or a followed file.
  static func mayNeverEnd(_ plan: ScriptPlan, _ options: RunOptions) -> Bool {
    if options.follow { return true }
    for source in plan.sources {
      let names: [String]
      switch source.location {
      case .path(let p): names = [p]
      case .commandLine: names = options.inputs.isEmpty ? ["-"] : options.inputs
      }
      for name in names {
        if name.contains("://") { return true }
        if name == "-" || name == "stdin" {
          var info = stat()
          if fstat(0, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG { return true }
        }
      }
    }
    return false
  }
}

func writeStdout(_ text: String) {
  fputs(text, stdout)
  fflush(stdout)
}

func writeStderr(_ text: String) {
  fputs(text, stderr)
}

func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

extension String {
  var trimmingSuffixNewline: String {
    var s = self
    while s.hasSuffix("\n") { s.removeLast() }
    return s
  }
}
