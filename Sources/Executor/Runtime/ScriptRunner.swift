import Dispatch
import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a `ScriptPlan`: opens its sources and sinks, reads every input in turn, feeds each
/// chunk's rows to the queries of its source, flushes output whenever input would block, and
/// at end of input (or SIGINT/SIGTERM) fires every window and flushes.
public final class ScriptRunner {
  /// What a finished run reports.
  public struct Summary: Sendable {
    public var stats: RunStats
    /// Lines for stderr: late events dropped, bad lines skipped (SPEC 4, 9).
    public var warnings: [String]
  }

  private let plan: ScriptPlan
  let options: RunOptions
  private let context = CompiledExpr.Context()
  var sources: [SourceReader] = []
  var runners: [QueryRunner] = []
  var sinks: [OutputSink] = []
  private let badInput: BadInput
  /// Scans pieces of input on every core; results are applied in read order on this thread.
  private let workers = DispatchQueue(label: "streamsql.scan", attributes: .concurrent)
  /// Pieces being scanned, oldest first, with their source.
  private var inflight: [(source: SourceReader, job: ScanJob)] = []
  /// Bounds the memory held by pieces read ahead of the ordered stage.
  static let maxInflight = 4
  /// Bytes asked of an input per read.
  static let readBytes = 1 << 20
  /// `--metrics` and the progress bar; nil when neither is on.
  private var observer: RunObserver?
  /// `--checkpoint`: takes checkpoints between pieces, resumed from one at init.
  private var checkpointer: Checkpointer?
  /// What each checkpoint flushes and measures: the sinks, then the dead-letter and late files.
  private var checkpointedSinks: [OutputSink] = []

  /// Opens inputs and outputs; fails (exit 1) if one cannot be opened.
  public init(plan: ScriptPlan, options: RunOptions) throws(RunError) {
    self.plan = plan
    var options = options
    // With a transactional Kafka sink, the newest checkpoint or the one before it.
    if let settings = options.checkpoint {
      options.checkpoint = try Checkpointer.chooseResume(settings, plan: plan)
    }
    self.options = options
    // Resuming from a checkpoint: outputs are cut back to its lengths and appended to.
    let resuming = options.checkpoint?.resume != nil
    if let settings = options.checkpoint { try Checkpointer.cutOutputs(settings) }
    badInput = try BadInput(options: options, append: resuming)
    let stdout =
      try options.outputPath.map { (p) throws(RunError) in try OutputSink(path: p, append: resuming)
      } ?? OutputSink(standardOutput: ())
    sinks.append(stdout)
    let onStdout = plan.queries.filter { $0.sink == .standardOutput }.count
    let opener = SinkOpener(durable: options.checkpoint != nil)
    opener.appendsToFiles = resuming
    opener.kafkaTransactionalID = options.checkpoint.map {
      KafkaTopicSink.transactionalPrefix(directory: $0.directory)
    }
    var readers: [Int: SourceReader] = [:]
    let pacer = options.replay?.speed.map { ReplayPacer(speed: $0) }
    for source in plan.sources {
      let reader = SourceReader(
        plan: source, inputs: try openInputs(source.location, fields: source.fields),
        badInput: badInput,
        maxLineBytes: options.maxLineBytes)
      // Type drift is reported by `--stats` only.
      reader.spec.countsDrift = options.printStats
      readers[source.id] = reader
      sources.append(reader)
    }
    for query in plan.queries {
      let output: QueryOutput
      // A live table keeps its rows current from the changelog.
      let live =
        options.liveTable && options.format == .table && query.emit == .changes
        && query.sink == .standardOutput
      let changelog = options.changelog || live || SinkOpener.needsChangelog(query.sink)
      // Only upserting results have ops; other rows are plain inserts and get no "op" column.
      let opColumn = options.changelog && query.mode == .aggregate && query.emit == .changes
      switch query.sink {
      case .standardOutput:
        output = QueryOutput(
          sink: stdout, format: options.format, columns: query.outputNames, spread: query.spread,
          label: onStdout > 1 ? .int(Int64(query.number)) : nil, changelog: opColumn || live,
          unbuffered: options.unbuffered,
          liveTable: live,
          streamingTable: !live && options.streamingTable && options.format == .table)
      case .file(let path):
        let (sink, isNew) = try opener.open(query)
        if isNew { sinks.append(sink) }
        output = QueryOutput(
          sink: sink, format: ScriptRunner.format(forPath: path), columns: query.outputNames,
          spread: query.spread,
          label: nil, changelog: opColumn, unbuffered: options.unbuffered)
      case .sqlite, .tcp, .kafka:
        let (sink, isNew) = try opener.open(query)
        if isNew { sinks.append(sink) }
        output = QueryOutput(
          sink: sink, format: .ndjson, columns: query.outputNames, spread: query.spread,
          label: nil, changelog: options.changelog, unbuffered: options.unbuffered)
      }
      let inputs = query.sourceID.flatMap { readers[$0]?.inputs.count } ?? 1
      let runner = QueryRunner(
        plan: query, inputs: inputs, output: output, badInput: badInput, changelog: changelog,
        context: context)
      runner.limits = QueryLimits(options)
      runner.replay = options.replay
      runner.pacer = pacer
      runners.append(runner)
      if let id = query.sourceID { readers[id]?.attach(runner) }
    }
    observer = try RunObserver(options: options, inputs: sources.flatMap(\.inputs))
    if let settings = options.checkpoint {
      let c = try Checkpointer(settings: settings, plan: plan, options: options, sources: sources)
      try c.restore(sources: sources, runners: runners, sinks: sinks)
      checkpointer = c
      checkpointedSinks = sinks + badInput.outputs
    }
  }

  /// NDJSON unless the file's extension says CSV or TSV.
  static func format(forPath path: String) -> OutputFormat {
    let lower = path.lowercased()
    if lower.hasSuffix(".csv") { return .csv }
    if lower.hasSuffix(".tsv") { return .tsv }
    return .ndjson
  }

  private func openInputs(_ location: SourceLocation, fields: [FieldPath]) throws(RunError)
    -> [any Input]
  {
    let names: [String]
    switch location {
    case .commandLine: names = options.inputs.isEmpty ? ["-"] : options.inputs
    case .path(let p): names = [p]
    }
    var inputs: [any Input] = []
    for name in names {
      if name == "-" || name == "stdin" {
        inputs.append(InputFile(standardInputWithMaxLineBytes: options.maxLineBytes))
        continue
      }
      if KafkaURL.isKafka(name) {
        inputs += try openKafka(name, fields: fields)
        continue
      }
      if SocketAddress.isURL(name) {
        inputs.append(try ScriptRunner.openSocket(name))
        continue
      }
      let paths = POSIX.expandGlob(name)
      for path in paths {
        if options.follow && !path.hasSuffix(".gz") && ScriptRunner.isRegularFile(path) {
          inputs.append(try FollowedFile(path: path))
        } else {
          inputs.append(try InputFile(path: path, maxLineBytes: options.maxLineBytes))
        }
      }
    }
    return inputs
  }

  /// Runs to the end of every input, or until SIGINT/SIGTERM.
  public func run() throws(RunError) -> Summary {
    let startedAt = try start()
    do {
      try readAll()
      // End of input, or stopped by SIGINT/SIGTERM: a last checkpoint before the windows fire,
      // so a crash while they do, a rerun of a finished command, or a restart after a stop
      // (a followed file, a live stream) goes on from exactly here.
      try checkpointer?.checkpointIfDue(
        sources: sources, runners: runners, sinks: checkpointedSinks, force: true)
    } catch {
      // `--on-error fail` and failing inputs: what was computed before the failure is kept.
      for sink in sinks { try? sink.flush() }
      throw error
    }
    return try finish(startedAt: startedAt)
  }

  /// Evaluates FROM-less queries; returns the start time.
  func start() throws(RunError) -> Int64 {
    let startedAt = Clock.wallMillis()
    context.now = startedAt
    for runner in runners where runner.plan.sourceID == nil {
      try runner.evaluateOnce()
    }
    return startedAt
  }

  /// End of input: W becomes +∞, every window fires, every sink is flushed and closed.
  func finish(startedAt: Int64) throws(RunError) -> Summary {
    defer { observer?.finish(sources, runners, sinks) }
    for runner in runners { try runner.finish() }
    for runner in runners { try runner.output.end() }
    for sink in sinks { try sink.close() }
    closeKafka()
    // A run stopped by a signal leaves inputs open; the REPL goes on, so close them.
    for source in sources { for input in source.inputs { input.close() } }
    try badInput.close()
    var stats = RunStats()
    stats.startedAt = startedAt
    stats.endedAt = Clock.wallMillis()
    stats.outputBlockedMicros = sinks.reduce(0) { $0 + $1.totalBlockedMicros }
    for s in sources {
      stats.lines += s.stats.lines
      stats.bytes += s.stats.bytes
      stats.badLines += s.stats.badLines
      stats.badRows += s.stats.badRows
      stats.typeDrift += s.drift.drifting.map(\.summary)
    }
    for r in runners {
      stats.badRows += r.stats.badRows
      stats.lateEvents += r.stats.lateEvents
      stats.typeWarnings += r.stats.typeWarnings
      stats.windowsFired += r.stats.windowsFired
      stats.rowsOut += r.stats.rowsOut
      stats.peakStateRows += r.stats.peakStateRows
      stats.latencies += r.stats.latencies.prefix(100_000 / max(1, runners.count))
    }
    stats.futureRows = badInput.futureRows
    if let resume = options.checkpoint?.resume {
      stats.restored = (resume.linesCovered, resume.takenAt)
    }
    stats.addReplayCounts(
      runners.map { ($0.plan.sourceID, $0.plan.dedupe != nil, $0.replayStats) },
      range: options.replay?.selectsRange ?? false)
    stats.peakMemoryBytes = ProcessMemory.peakResidentBytes() ?? 0
    var warnings: [String] = []
    if stats.futureRows > 0 {
      warnings.append(
        "streamsql: \(stats.futureRows) row\(stats.futureRows == 1 ? "" : "s") dated more than --max-future ahead of the clock quarantined"
      )
    }
    if stats.lateEvents > 0 {
      warnings.append("streamsql: \(stats.lateEvents) late events dropped; consider GRACE PERIOD")
    }
    let bad = stats.badLines + stats.badRows
    if bad > 0, options.onError != .fail {
      let what = options.onError == .skip ? "skipped" : "written to the dead-letter file"
      var line = "streamsql: \(bad) bad input line\(bad == 1 ? "" : "s") \(what)"
      if let first = badInput.samples.first { line += " (first: \(first))" }
      warnings.append(line)
    }
    return Summary(stats: stats, warnings: warnings)
  }

  /// Runs with the bytes of the first source's first input given as `chunks` instead of read
  /// from a descriptor, so tests can check that results do not depend on how input is split.
  func run(feeding chunks: [[UInt8]]) throws(RunError) -> Summary {
    let startedAt = try start()
    if let source = sources.first {
      for chunk in chunks {
        let jobs = chunk.withUnsafeBytes { source.jobs(for: $0, from: 0) }
        try submit(jobs, source)
      }
      for i in source.inputs.indices { try submit(source.endJobs(from: i), source) }
      while !inflight.isEmpty { try applyOldest() }
    }
    return try finish(startedAt: startedAt)
  }

  /// Starts scanning pieces on the workers, applying the oldest first when too many are out.
  private func submit(_ jobs: [ScanJob], _ source: SourceReader) throws(RunError) {
    for job in jobs {
      while inflight.count >= ScriptRunner.maxInflight { try applyOldest() }
      job.start(on: workers)
      inflight.append((source, job))
    }
  }

  private func applyOldest() throws(RunError) {
    let (source, job) = inflight.removeFirst()
    job.wait()
    guard try kafkaBeforeApply(job, source) else { return }
    try source.apply(job)
    kafkaApplied(job, source)
    if let checkpointer, let s = sources.firstIndex(where: { $0 === source }) {
      checkpointer.pieceApplied(job, source: source, index: s)
      try checkpointer.checkpointIfDue(sources: sources, runners: runners, sinks: checkpointedSinks)
    }
  }

  /// Applies every piece read so far (a Kafka rebalance, before partitions are revoked).
  func applyInflight() throws(RunError) {
    while !inflight.isEmpty { try applyOldest() }
  }

  private var needsTimer: Bool {
    options.idleTimeoutMillis != nil || runners.contains { $0.usesProcessingTime }
  }

  private func readAll() throws(RunError) {
    var lastInput = Clock.wallMillis()
    var idleApplied: Int64 = 0
    while sources.contains(where: \.wantsInput) || !inflight.isEmpty {
      if Signals.stopRequested { break }
      observer?.observe(sources, runners, sinks)
      var didRead = false
      for source in sources where source.wantsInput {
        for (i, input) in source.inputs.enumerated() where !input.finished {
          guard inflight.count < ScriptRunner.maxInflight, input.isReady() else { continue }
          switch try input.next(into: source.readSpace()) {
          case .idle:
            continue
          case .data(let n, let stream):
            try submit(source.jobs(read: n, from: i, stream: stream), source)
          case .filled(let buffer, let pool, let n):
            try submit(source.jobs(filled: buffer, of: pool, count: n, from: i), source)
          case .streamEnded(let stream, let tornIsBad):
            try submit(source.streamEndJobs(from: i, stream: stream, tornIsBad: tornIsBad), source)
          case .ended:
            input.close()
            try submit(source.endJobs(from: i), source)
          }
          didRead = true
        }
      }
      // Apply scanned pieces whenever reading cannot go on: nothing ready, or enough read ahead.
      if !inflight.isEmpty && (!didRead || inflight.count >= ScriptRunner.maxInflight) {
        try applyOldest()
        continue
      }
      let now = Clock.wallMillis()
      if didRead {
        lastInput = now
        idleApplied = 0
      }
      for runner in runners where runner.usesProcessingTime {
        try runner.advanceProcessingTime(to: now)
      }
      if let idle = options.idleTimeoutMillis, now - lastInput >= idle {
        let step = now - lastInput - idleApplied
        if step > 0 {
          for runner in runners { try runner.idle(forMillis: step) }
          idleApplied += step
        }
      }
      try syncKafka()
      if sinks.contains(where: \.closed)
        && runners.allSatisfy({ $0.isDone || $0.output.sink.closed })
      {
        break
      }
      if !didRead && inflight.isEmpty {
        for runner in runners { runner.output.inputIdle() }
        for sink in sinks { try sink.flush() }
        observer?.observe(sources, runners, sinks, force: true)
        // A quiet stream still gets its state saved once the interval has passed.
        var timeout: Int32 = needsTimer ? 50 : -1
        if let checkpointer, checkpointer.millisUntilDue() != nil {
          try checkpointer.checkpointIfDue(sources: sources, runners: runners, sinks: checkpointedSinks)
          if let due = checkpointer.millisUntilDue() {
            timeout = timeout < 0 ? max(1, due) : min(timeout, max(1, due))
          }
        }
        try waitForInput(timeout: timeout)
      }
    }
    // Stopped by a signal: what was already read still counts.
    while !inflight.isEmpty { try applyOldest() }
  }

  /// Blocks until an input is readable, the timeout (ms) passes, an input asks to be looked
  /// at again (a followed file, a reconnect), or a signal arrives.
  private func waitForInput(timeout: Int32) throws(RunError) {
    var fds: [pollfd] = []
    var wait = timeout
    for source in sources where source.wantsInput {
      for input in source.inputs where !input.finished {
        fds += input.pollRequests()
        if let t = input.wakeAfterMillis() { wait = wait < 0 ? t : min(wait, t) }
      }
    }
    guard !fds.isEmpty || wait >= 0 else { return }
    if Signals.wakeDescriptor >= 0 {
      fds.append(pollfd(fd: Signals.wakeDescriptor, events: Int16(POLLIN), revents: 0))
    }
    _ = poll(&fds, nfds_t(fds.count), wait)
  }
}
