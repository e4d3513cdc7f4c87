import ArgumentParser
import Executor

/// The options every run takes (SPEC 1).
struct RunArguments: ParsableArguments {
  @Option(
    name: [.customShort("i"), .customLong("input")],
    help:
      "An input: a file path, a glob, '-' for stdin, tcp://HOST:PORT, tcp-listen://HOST:PORT or unix:///PATH. Repeatable; several inputs are merged."
  )
  var inputs: [String] = []

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: "Write results to this file instead of stdout.")
  var output: String?

  @Option(
    help:
      "Output format: ndjson, csv, tsv or table (default: table on a terminal, ndjson otherwise).")
  var format: String?

  @Option(
    name: .customLong("on-error"),
    help: "Bad input lines: skip (default, counted), fail (exit 1), or dead-letter=PATH.")
  var onError: String = "skip"

  @Option(name: .customLong("late-output"), help: "Write late events, verbatim, to this file.")
  var lateOutput: String?

  @Flag(
    help:
      "Print a summary on stderr at exit: events, bytes, bad lines, late events, throughput, latency."
  )
  var stats = false

  @Flag(help: "EMIT CHANGES rows carry an \"op\" field (+I, -U, +U, -D).")
  var changelog = false

  @Flag(help: "Flush after every row.")
  var unbuffered = false

  @Flag(
    help:
      "Keep reading files as they grow (tail -F; survives rotation and truncation); ends on SIGINT/SIGTERM."
  )
  var follow = false

  @Option(
    name: .customLong("max-line-bytes"), help: "Longest input line accepted (default 16 MiB).")
  var maxLineBytes: Int = 16 << 20

  @Option(
    name: .customLong("idle-timeout"),
    help:
      "After this long without input (e.g. '5s', '1 minute'), event time follows the wall clock.")
  var idleTimeout: String?

  @Option(
    help:
      "Serve Prometheus metrics on http://HOST:PORT/metrics while running (host defaults to 127.0.0.1; port 0 picks a free one)."
  )
  var metrics: String?

  @Flag(
    name: .customLong("no-progress"),
    help: "No progress bar on stderr (shown when stderr is a terminal and regular files are read).")
  var noProgress = false

  @Option(
    name: .customLong("max-state-rows"),
    help: "Stop a query (exit 1) whose state holds more rows (windows × groups) than this.")
  var maxStateRows: Int?

  @Option(
    name: .customLong("max-future"),
    help:
      "Quarantine rows dated more than this (e.g. '1h', '5 minutes') ahead of the wall clock: counted, dead-lettered if asked, never moving the watermark."
  )
  var maxFuture: String?

  @Option(
    name: .customLong("replay-speed"),
    help:
      "Pace input by event time: 1 = real time, 10 = ten times faster, max = as fast as possible (default). Results do not depend on it."
  )
  var replaySpeed: String?

  @Option(
    help:
      "Replay only rows with event time at or after this ISO-8601 time (e.g. 2024-05-01T10:00:00Z)."
  )
  var from: String?

  @Option(help: "Replay only rows with event time before this ISO-8601 time.")
  var until: String?

  @Option(
    help:
      "Save state and input positions in this directory; rerunning the same command resumes from it (file inputs, file outputs: see Durability in the README)."
  )
  var checkpoint: String?

  @Option(
    name: .customLong("checkpoint-interval"),
    help: "Wall time between checkpoints, e.g. 200ms, 10s, 1m (default 10s).")
  var checkpointInterval: String = "10s"

  @Flag(
    name: .customLong("reset-checkpoint"),
    help: "Delete the checkpoint in --checkpoint DIR and start from the beginning.")
  var resetCheckpoint = false

  /// The executor's options; usage errors are `CLIExit`s with status 2.
  func runOptions() throws -> RunOptions {
    var options = RunOptions()
    options.inputs = inputs
    options.outputPath = output
    if let format {
      guard let f = OutputFormat(rawValue: format.lowercased()) else {
        throw CLIExit(
          code: 2, message: "error: unknown --format '\(format)' (ndjson, csv, tsv, table)")
      }
      options.format = f
    } else {
      options.format = (output == nil && isTerminal(1)) ? .table : .ndjson
    }
    switch onError {
    case "skip": options.onError = .skip
    case "fail": options.onError = .fail
    default:
      guard onError.hasPrefix("dead-letter="), onError.count > "dead-letter=".count else {
        throw CLIExit(code: 2, message: "error: --on-error takes skip, fail or dead-letter=PATH")
      }
      options.onError = .deadLetter(String(onError.dropFirst("dead-letter=".count)))
    }
    options.lateOutputPath = lateOutput
    options.printStats = stats
    options.changelog = changelog
    options.unbuffered = unbuffered
    guard maxLineBytes > 0 else {
      throw CLIExit(code: 2, message: "error: --max-line-bytes must be positive")
    }
    options.maxLineBytes = maxLineBytes
    if let idleTimeout {
      guard let ms = DurationParser.milliseconds(idleTimeout), ms > 0 else {
        throw CLIExit(
          code: 2, message: "error: --idle-timeout takes a duration such as 5s, 500ms or '1 minute'"
        )
      }
      options.idleTimeoutMillis = ms
    }
    options.follow = follow
    if let metrics {
      guard MetricsServer.parseAddress(metrics) != nil else {
        throw CLIExit(
          code: 2, message: "error: --metrics takes HOST:PORT or PORT, e.g. 127.0.0.1:9187")
      }
      options.metricsAddress = metrics
    }
    if let maxStateRows {
      guard maxStateRows > 0 else {
        throw CLIExit(code: 2, message: "error: --max-state-rows must be positive")
      }
      options.maxStateRows = maxStateRows
    }
    if let maxFuture {
      guard let ms = DurationParser.milliseconds(maxFuture) else {
        throw CLIExit(
          code: 2, message: "error: --max-future takes a duration such as 1h, 10m or '5 minutes'")
      }
      options.maxFutureMillis = ms
    }
    options.replay = try replayOptions()
    // Rows printed to the same terminal would be overwritten by the bar.
    options.showsProgress = !noProgress && isTerminal(2) && !(output == nil && isTerminal(1))
    return options
  }
}
