/// What the command line decides about a run, beyond the statements themselves.
public struct RunOptions: Sendable {
  /// What to do with a bad input line (SPEC 9).
  public enum OnError: Sendable, Equatable {
    /// Drop it and count it (the default).
    case skip
    /// Stop with exit status 1, naming the input and line.
    case fail
    /// Write it verbatim to this file and count it.
    case deadLetter(String)
  }

  /// `-i`: paths, globs or `-`; empty means stdin.
  public var inputs: [String] = []
  /// `--follow`: regular files are read as they grow (tail -F) and never end by themselves.
  public var follow = false
  /// `-o`: nil means stdout.
  public var outputPath: String?
  public var format: OutputFormat = .ndjson
  public var onError: OnError = .skip
  /// `--late-output`: late events written here verbatim.
  public var lateOutputPath: String?
  public var printStats = false
  /// `--changelog`: EMIT CHANGES rows carry an "op" field.
  public var changelog = false
  /// `--unbuffered`: flush after every row.
  public var unbuffered = false
  public var maxLineBytes = 16 << 20
  /// `--idle-timeout`, ms: the watermark follows the wall clock after this long without input.
  public var idleTimeoutMillis: Int64?
  /// `--max-state-rows`: a query whose state (windows × groups) grows past this stops, exit 1.
  public var maxStateRows: Int?
  /// `--max-future`, ms: rows dated further ahead of the wall clock are quarantined.
  public var maxFutureMillis: Int64?
  /// The REPL on a terminal, table format: EMIT CHANGES on stdout is a live table redrawn in
  /// place (`LiveTableFormatter`).
  public var liveTable = false
  /// The REPL over an input that may never end, table format: other rows on stdout print as they
  /// come (`StreamingTableFormatter`) instead of at the end.
  public var streamingTable = false
  /// `--metrics HOST:PORT`: serve Prometheus metrics on `GET /metrics` (`MetricsServer`).
  public var metricsAddress: String?
  /// A progress bar on stderr while regular files are read (stderr a terminal, no `--no-progress`).
  public var showsProgress = false
  /// `--replay-speed`, `--from`, `--until` (ReplayOptions.swift); nil when none is given.
  public var replay: ReplayOptions?
  /// `--checkpoint DIR`: save state and positions there, resume from what it holds.
  public var checkpoint: CheckpointSettings?

  public init() {}
}
