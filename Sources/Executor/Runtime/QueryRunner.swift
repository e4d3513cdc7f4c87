import Planner

/// Runs the stateful, ordered part of one planned query: the watermark, then either output row
/// by row (DISTINCT, LIMIT, ORDER BY at end) or a window operator and the result stage. The
/// per-row expressions ran before, in a `QueryPreparer`.
final class QueryRunner {
  let plan: QueryPlan
  private let context: CompiledExpr.Context
  private let usesEventTime: Bool
  private let projectionWidth: Int
  private let sortKeyCount: Int
  private let layout: AggregateLayout
  let windowOperator: WindowOperator?
  let results: ResultStage?
  let output: QueryOutput
  private let badInput: BadInput

  /// Largest event time per input of the source; `Int64.min` before the first row.
  // Internal, not private: QueryRunner+Checkpoint.swift saves and restores the state below.
  var maxTimes: [Int64]
  var inputFinished: [Bool]
  /// How each input takes part in the watermark now (a Kafka partition may be idle or not
  /// assigned to this process for a while); unlike finished inputs, they may hold it again.
  var inputHold: [InputHold]
  var watermark = Int64.min
  /// Project mode: DISTINCT rows seen, ORDER BY buffer, LIMIT countdown.
  var distinctSeen: Set<[Value]> = []
  var sortBuffer: [(sort: [Value], out: [Value])] = []
  var remaining: Int?
  var isDone = false
  private var batch: RowBatch
  var stats = RunStats()
  /// `--max-state-rows` and `--max-future` (QueryRunner+Limits.swift).
  var limits = QueryLimits()
  /// `dedupe_key` (nil without) and `--replay-speed`/`--from`/`--until` (QueryRunner+Replay.swift).
  let deduplicator: Deduplicator?
  var replay: ReplayOptions?
  var pacer: ReplayPacer?
  var rowsOutsideRange = 0

  init(
    plan: QueryPlan, inputs: Int, output: QueryOutput, badInput: BadInput, changelog: Bool,
    context: CompiledExpr.Context
  ) {
    self.plan = plan
    self.context = context
    self.output = output
    self.badInput = badInput
    usesEventTime = plan.eventTime != nil
    projectionWidth = plan.projections.count
    sortKeyCount = plan.mode == .project ? plan.orderBy.count : 0
    layout = AggregateLayout(keyCount: plan.groupKeys.count, aggregates: plan.aggregates)
    maxTimes = Array(repeating: Int64.min, count: max(1, inputs))
    inputFinished = Array(repeating: false, count: max(1, inputs))
    inputHold = Array(repeating: .holds, count: max(1, inputs))
    batch = RowBatch(width: layout.width)
    remaining = plan.limit.map { Int(clamping: $0) }
    deduplicator = plan.dedupe.map { Deduplicator(plan: $0) }
    if plan.mode == .aggregate {
      results = ResultStage(plan: plan, context: context, changelog: changelog)
      let changes = plan.emit == .changes
      switch plan.window {
      case nil:
        windowOperator = TimeWindowOperator(
          layout: layout, size: nil, advance: nil, emitsChanges: changes)
      case .tumbling(let size)?:
        windowOperator = TimeWindowOperator(
          layout: layout, size: size, advance: size, emitsChanges: changes)
      case .hopping(let size, let advance)?:
        windowOperator = TimeWindowOperator(
          layout: layout, size: size, advance: advance, emitsChanges: changes)
      case .session(let gap)?: windowOperator = SessionWindowOperator(layout: layout, gap: gap)
      case .moving(let size)?: windowOperator = MovingWindowOperator(layout: layout, size: size)
      case .countTumbling(let n)?:
        windowOperator = CountWindowOperator(layout: layout, size: n, advance: n)
      case .countHopping(let n, let a)?:
        windowOperator = CountWindowOperator(layout: layout, size: n, advance: a)
      }
      remaining = nil
    } else {
      results = nil
      windowOperator = nil
      if !plan.orderBy.isEmpty { remaining = nil }
    }
    if remaining == 0 { isDone = true }
  }

  /// Open windows and groups held, for `--metrics`.
  var stateSize: (windows: Int, groups: Int) {
    (windowOperator?.openWindowCount ?? 0, windowOperator?.stateGroupCount ?? 0)
  }

  var usesProcessingTime: Bool {
    plan.eventTime == nil && plan.mode == .aggregate && !(plan.window?.isCountBased ?? false)
      && plan.window != nil
  }

  /// The watermark implied by the per-input maxima: the smallest over inputs still open.
  /// Idle and absent inputs do not hold it back; when every open input is idle, nothing does
  /// and it follows the latest of them (as Flink does when all inputs are idle). Absent inputs
  /// do not move it either (during a rebalance every partition is revoked for a moment). It
  /// never moves back (a partition assigned again starts from behind).
  private func currentWatermark() -> Int64 {
    var low = Int64.max
    var highReleased = Int64.min
    var open = false
    for (i, t) in maxTimes.enumerated() where !inputFinished[i] {
      open = true
      switch inputHold[i] {
      case .holds: low = min(low, t)
      case .idle: highReleased = max(highReleased, t)
      case .absent: continue
      }
    }
    if !open { return Int64.max }
    if low == Int64.max { low = highReleased }
    if low == Int64.min { return watermark }
    return max(watermark, low &- plan.graceMillis)
  }

  // MARK: Rows

  /// Applies one scanned piece in arrival order: the watermark advances row by row (before the
  /// filter, SPEC 4), rows that passed go to the window operator or straight to output.
  ///
  /// Returns the row of the piece at which the query finished (LIMIT reached), if it did: rows
  /// after it, and their errors, are no concern of this query.
  @discardableResult
  func apply(_ prepared: QueryPreparer.Prepared, from job: ScanJob, before stopLine: Int32 = .max)
    throws(RunError) -> Int32?
  {
    guard !isDone else { return -1 }
    if stopLine == .max, let windowOperator, takesWholePiece(prepared) {
      try applyWhole(prepared, from: job, to: windowOperator)
      return nil
    }
    var finishedAt: Int32?
    context.now = job.arrivalMillis
    // The batch's rows are the piece's prepared rows where they lie: no copy per row.
    batch.removeAll()
    if windowOperator != nil {
      batch.values = prepared.values
      batch.scanned = prepared.scanned
      batch.starts.reserveCapacity(prepared.times.count)
      batch.times.reserveCapacity(prepared.times.count)
      batch.watermarks.reserveCapacity(prepared.times.count)
      batch.lines.reserveCapacity(prepared.times.count)
    }
    defer {
      batch.values = []
      batch.scanned = nil
    }
    let input = job.input
    let futureLimit = usesEventTime ? limits.futureLimit(arrival: job.arrivalMillis) : nil
    for i in 0..<prepared.times.count {
      let row = prepared.rows[i]
      if stopLine != .max && job.rowLines[Int(row)] >= stopLine { break }
      let time = prepared.times[i]
      if let futureLimit, time > futureLimit {
        // --max-future: a row from a clock running ahead must not move the watermark.
        try badInput.quarantine(job: job, row: row)
        continue
      }
      guard admits(prepared, at: i) else { continue }
      if let pacer {
        let wait = pacer.delayMicros(for: time)
        if wait > 0 { try pause(micros: wait, job: job) }
      }
      let before = watermark
      if usesEventTime, time > maxTimes[input] {
        maxTimes[input] = time
        watermark = currentWatermark()
      }
      let offset = Int(prepared.offsets[i])
      guard offset >= 0 else { continue }
      if windowOperator != nil {
        batch.starts.append(Int32(truncatingIfNeeded: offset))
        batch.times.append(time)
        batch.watermarks.append(before)
        batch.lines.append(row)
      } else {
        try emitProjected(
          prepared.values(at: offset, count: projectionWidth),
          sort: sortKeyCount == 0
            ? [] : prepared.values(at: offset + projectionWidth, count: sortKeyCount),
          micros: job.arrivalMicros)
        if isDone {
          finishedAt = row
          break
        }
      }
    }
    try flushBatch(job: job)
    try checkStateLimit()
    if output.sink.closed { isDone = true }
    return finishedAt
  }

  /// Whether a piece's rows can go to the window operator as they are (`applyWhole`): every
  /// row passed, one input that holds the watermark, and nothing turns rows away or paces
  /// them (`--max-future`, `--from`/`--until`, dedupe, `--replay-speed`).
  private func takesWholePiece(_ prepared: QueryPreparer.Prepared) -> Bool {
    prepared.everyRowPasses && usesEventTime && maxTimes.count == 1 && !inputFinished[0]
      && inputHold[0] == .holds && limits.maxFutureMillis == nil && deduplicator == nil
      && pacer == nil && !(replay?.selectsRange ?? false)
  }

  /// `apply` for a piece whose rows all go to the window operator (`takesWholePiece`): the
  /// batch takes the piece's arrays as they are and only the watermark is computed per row,
  /// as `currentWatermark` computes it for one input: the largest time so far less the grace
  /// period, never moving back.
  private func applyWhole(
    _ prepared: QueryPreparer.Prepared, from job: ScanJob, to windowOperator: WindowOperator
  ) throws(RunError) {
    context.now = job.arrivalMillis
    var maxTime = maxTimes[0]
    var mark = watermark
    let grace = plan.graceMillis
    let count = prepared.times.count
    batch.watermarks = [Int64](unsafeUninitializedCapacity: count) { watermarks, initialized in
      prepared.times.withUnsafeBufferPointer { times in
        for i in 0..<count {
          let time = times[i]
          watermarks[i] = mark
          if time > maxTime {
            maxTime = time
            mark = max(mark, time &- grace)
          }
        }
      }
      initialized = count
    }
    maxTimes[0] = maxTime
    watermark = mark
    batch.values = prepared.values
    batch.scanned = prepared.scanned
    batch.starts = prepared.offsets
    batch.times = prepared.times
    batch.lines = prepared.rows
    defer { batch = RowBatch(width: batch.width) }
    try flushBatch(job: job)
    try checkStateLimit()
    if output.sink.closed { isDone = true }
  }

  /// Gives the rows batched so far to the window operator, then the watermark. Called at the
  /// end of a piece, and mid-piece before a replay pauses, so windows fire on time.
  func flushBatch(job: ScanJob) throws(RunError) {
    guard let windowOperator else { return }
    let w = watermark
    let processingTime = usesProcessingTime
    try run(job: job) { (e: inout Emitter) throws in
      try windowOperator.process(batch, emit: &e)
      if !processingTime { try windowOperator.onWatermark(w, emit: &e) }
    }
    batch.removeRows()
  }

  /// Runs an operator step and passes what it emitted on.
  private func run(job: ScanJob? = nil, _ step: (inout Emitter) throws -> Void) throws(RunError) {
    var emitter = Emitter()
    do {
      try step(&emitter)
    } catch let e as RunError {
      throw e
    } catch {
      throw RunError("\(error)")
    }
    stats.lateEvents += emitter.late.count
    if let job {
      for line in emitter.late { try badInput.late(raw: job.rawLine(Int(line))) }
    }
    if let results {
      let before = output.rowsWritten
      try results.handle(emitter.groups, output: output)
      stats.rowsOut += output.rowsWritten - before
      // Latency of a window's rows: from reading the piece whose rows moved the watermark past
      // its end to writing them.
      if let job, output.rowsWritten > before {
        stats.recordLatency(Clock.monotonicMicros() - job.arrivalMicros)
      }
    }
  }

  private func emitProjected(_ out: [Value], sort: [Value], micros: Int64) throws(RunError) {
    if plan.distinct && !distinctSeen.insert(out).inserted { return }
    if sortKeyCount > 0 {
      sortBuffer.append((sort, out))
      return
    }
    try output.write(out)
    stats.rowsOut += 1
    stats.recordLatency(Clock.monotonicMicros() - micros)
    if let r = remaining {
      remaining = r - 1
      if r - 1 <= 0 { isDone = true }
    }
  }

  // MARK: Time and end of input

  /// Processing time: the wall clock moved on.
  func advanceProcessingTime(to now: Int64) throws(RunError) {
    guard usesProcessingTime, let windowOperator else { return }
    let w = now &- plan.graceMillis
    try run { (e: inout Emitter) throws in try windowOperator.onWatermark(w, emit: &e) }
  }

  /// `--idle-timeout`: no input for a while; let event time follow the wall clock.
  func idle(forMillis idle: Int64) throws(RunError) {
    guard usesEventTime, let windowOperator else { return }
    var moved = false
    for i in maxTimes.indices where !inputFinished[i] && maxTimes[i] != Int64.min {
      maxTimes[i] += idle
      moved = true
    }
    guard moved else { return }
    watermark = currentWatermark()
    let w = watermark
    try run { (e: inout Emitter) throws in try windowOperator.onWatermark(w, emit: &e) }
  }

  /// One input of the source ended: it no longer holds the watermark back.
  func inputEnded(_ input: Int) throws(RunError) {
    guard input < inputFinished.count, !inputFinished[input] else { return }
    inputFinished[input] = true
    guard inputFinished.contains(false), let windowOperator, usesEventTime else { return }
    watermark = currentWatermark()
    let w = watermark
    try run { (e: inout Emitter) throws in try windowOperator.onWatermark(w, emit: &e) }
  }

  /// How input `input` takes part in the watermark from now on (a Kafka partition assigned or
  /// revoked, idle for `--idle-timeout` or not).
  func setInputHold(_ input: Int, _ hold: InputHold) throws(RunError) {
    guard input < inputHold.count, inputHold[input] != hold else { return }
    inputHold[input] = hold
    guard usesEventTime else { return }
    let before = watermark
    watermark = currentWatermark()
    guard watermark != before, let windowOperator else { return }
    let w = watermark
    try run { (e: inout Emitter) throws in try windowOperator.onWatermark(w, emit: &e) }
  }

  /// End of input (or SIGINT/SIGTERM): W becomes +∞, every open window fires.
  func finish() throws(RunError) {
    if let windowOperator {
      try run { (e: inout Emitter) throws in try windowOperator.finish(emit: &e) }
      stats.windowsFired += windowOperator.windowsFired
      stats.typeWarnings += windowOperator.typeWarnings
    }
    if !sortBuffer.isEmpty {
      let keys = plan.orderBy.map { ($0.descending, $0.nullsFirst) }
      var rows = ResultStage.stableSort(sortBuffer, keys: keys).map(\.out)
      if let limit = plan.limit, rows.count > limit { rows.removeLast(rows.count - Int(limit)) }
      for row in rows { try output.write(row) }
      stats.rowsOut += rows.count
      sortBuffer = []
    }
    if let results { stats.badRows += results.rowErrors }
    isDone = true
  }

  /// A SELECT without FROM: one row.
  func evaluateOnce() throws(RunError) {
    let empty: [Value] = []
    var out: [Value] = []
    do throws(RowError) {
      try empty.withUnsafeBufferPointer { (row) throws(RowError) in
        for p in plan.projections {
          out.append(try CompiledExpr(p, context: context).evaluate(row))
        }
      }
    } catch {
      throw RunError(error.message)
    }
    try emitProjected(out, sort: [], micros: Clock.monotonicMicros())
  }
}

/// How an open input takes part in its query's watermark.
enum InputHold: Sendable {
  /// Its latest event time holds the watermark back (the usual case).
  case holds
  /// Quiet for `--idle-timeout`: it does not hold the watermark back.
  case idle
  /// Not read by this process for now (a Kafka partition assigned elsewhere): it neither holds
  /// nor moves the watermark.
  case absent
}
