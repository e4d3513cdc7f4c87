import Planner

/// Runs one planned query over the batches of its source: event time and watermark, filter,
/// then either projection (row at a time) or a window operator and the result stage.
final class QueryRunner {
  let plan: QueryPlan
  private let context: CompiledExpr.Context
  private let eventTime: CompiledExpr?
  private let filter: CompiledExpr?
  private let projections: [CompiledExpr]
  private let groupKeys: [CompiledExpr]
  /// Every aggregate's arguments, in layout order.
  private let aggregateArguments: [CompiledExpr]
  private let layout: AggregateLayout
  private let windowOperator: WindowOperator?
  private let results: ResultStage?
  let output: QueryOutput
  private let badInput: BadInput

  /// Largest event time per input of the source; `Int64.min` before the first row.
  private var maxTimes: [Int64]
  private var inputFinished: [Bool]
  private(set) var watermark = Int64.min
  /// Project mode: DISTINCT rows seen, ORDER BY buffer, LIMIT countdown.
  private var distinctSeen: Set<[Value]> = []
  private var sortBuffer: [(sort: [Value], out: [Value])] = []
  private var sortKeys: [CompiledExpr] = []
  private var remaining: Int?
  private(set) var isDone = false
  private var batch: RowBatch
  var stats = RunStats()

  init(plan: QueryPlan, inputs: Int, output: QueryOutput, badInput: BadInput, changelog: Bool, context: CompiledExpr.Context) {
    self.plan = plan
    self.context = context
    self.output = output
    self.badInput = badInput
    eventTime = plan.eventTime.map { CompiledExpr($0, context: context) }
    filter = plan.filter.map { CompiledExpr($0, context: context) }
    groupKeys = plan.groupKeys.map { CompiledExpr($0, context: context) }
    aggregateArguments = plan.aggregates.flatMap(\.arguments).map { CompiledExpr($0, context: context) }
    layout = AggregateLayout(keyCount: plan.groupKeys.count, aggregates: plan.aggregates)
    maxTimes = Array(repeating: Int64.min, count: max(1, inputs))
    inputFinished = Array(repeating: false, count: max(1, inputs))
    batch = RowBatch(width: layout.width)
    remaining = plan.limit.map { Int(clamping: $0) }
    if plan.mode == .aggregate {
      projections = []
      results = ResultStage(plan: plan, context: context, changelog: changelog)
      let changes = plan.emit == .changes
      switch plan.window {
      case nil: windowOperator = TimeWindowOperator(layout: layout, size: nil, advance: nil, emitsChanges: changes)
      case .tumbling(let size)?: windowOperator = TimeWindowOperator(layout: layout, size: size, advance: size, emitsChanges: changes)
      case .hopping(let size, let advance)?:
        windowOperator = TimeWindowOperator(layout: layout, size: size, advance: advance, emitsChanges: changes)
      case .session(let gap)?: windowOperator = SessionWindowOperator(layout: layout, gap: gap)
      case .moving(let size)?: windowOperator = MovingWindowOperator(layout: layout, size: size)
      case .countTumbling(let n)?: windowOperator = CountWindowOperator(layout: layout, size: n, advance: n)
      case .countHopping(let n, let a)?: windowOperator = CountWindowOperator(layout: layout, size: n, advance: a)
      }
      remaining = nil
    } else {
      projections = plan.projections.map { CompiledExpr($0, context: context) }
      results = nil
      windowOperator = nil
      sortKeys = plan.orderBy.map { CompiledExpr($0.expr, context: context) }
      if !plan.orderBy.isEmpty { remaining = nil }
    }
    if remaining == 0 { isDone = true }
  }

  var usesProcessingTime: Bool { plan.eventTime == nil && plan.mode == .aggregate && !(plan.window?.isCountBased ?? false) && plan.window != nil }

  /// The watermark implied by the per-input maxima: the smallest over inputs still open.
  private func currentWatermark() -> Int64 {
    var low = Int64.max
    for (i, t) in maxTimes.enumerated() where !inputFinished[i] { low = min(low, t) }
    if low == Int64.max { return Int64.max }
    if low == Int64.min { return Int64.min }
    return low &- plan.graceMillis
  }

  // MARK: Rows

  func process(_ source: SourceBatch, inputName: String) throws(RunError) {
    guard !isDone else { return }
    context.now = source.arrivalMillis
    batch.removeAll()
    let width = source.width
    let input = source.input
    try source.values.withUnsafeBufferPointer { (all) throws(RunError) in
      for r in 0..<source.count {
        let row = UnsafeBufferPointer(rebasing: all[r * width..<(r + 1) * width])
        var time = source.arrivalMillis
        do throws(RowError) {
          if let eventTime {
            guard let t = ScalarFunction.timestampArgument(try eventTime.evaluate(row)) else {
              throw RowError("event time is missing or not a time")
            }
            time = t
          }
          let before = watermark
          if eventTime != nil, time > maxTimes[input] {
            maxTimes[input] = time
            watermark = currentWatermark()
          }
          if let filter, ValueOps.truthiness(try filter.evaluate(row)) != true { continue }
          if windowOperator != nil {
            for k in groupKeys { batch.values.append(try k.evaluate(row)) }
            for a in aggregateArguments { batch.values.append(try a.evaluate(row)) }
            batch.times.append(time)
            batch.watermarks.append(before)
            batch.lines.append(Int32(r))
          } else {
            try project(row, micros: source.arrivalMicros)
            if isDone { break }
          }
        } catch {
          // Keep the batch aligned: drop a half-appended row.
          batch.values.removeLast(batch.values.count - batch.times.count * layout.width)
          stats.badRows += 1
          try badInput.report(input: inputName, line: source.lineNumbers[r], message: error.message, raw: source.rawLine(r))
        }
      }
    }
    if let windowOperator {
      let w = watermark
      let processingTime = usesProcessingTime
      try run(source: source) { (e: inout Emitter) throws in
        try windowOperator.process(batch, emit: &e)
        if !processingTime { try windowOperator.onWatermark(w, emit: &e) }
      }
    }
    if output.sink.closed { isDone = true }
  }

  /// Runs an operator step and passes what it emitted on.
  private func run(source: SourceBatch? = nil, _ step: (inout Emitter) throws -> Void) throws(RunError) {
    var emitter = Emitter()
    do {
      try step(&emitter)
    } catch let e as RunError {
      throw e
    } catch {
      throw RunError("\(error)")
    }
    stats.lateEvents += emitter.late.count
    if let source {
      for line in emitter.late { try badInput.late(raw: source.rawLine(Int(line))) }
    }
    if let results {
      let before = output.rowsWritten
      try results.handle(emitter.groups, output: output)
      stats.rowsOut += output.rowsWritten - before
    }
  }

  private func project(_ row: UnsafeBufferPointer<Value>, micros: Int64) throws(RowError) {
    var out: [Value] = []
    out.reserveCapacity(projections.count)
    for p in projections { out.append(try p.evaluate(row)) }
    if plan.distinct && !distinctSeen.insert(out).inserted { return }
    if !sortKeys.isEmpty {
      var sort: [Value] = []
      for k in sortKeys { sort.append(try k.evaluate(row)) }
      sortBuffer.append((sort, out))
      return
    }
    do throws(RunError) {
      try output.write(out)
    } catch {
      throw RowError(error.message)
    }
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
    guard eventTime != nil, let windowOperator else { return }
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
    guard inputFinished.contains(false), let windowOperator, eventTime != nil else { return }
    watermark = currentWatermark()
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
    try empty.withUnsafeBufferPointer { (row) throws(RunError) in
      do throws(RowError) {
        try project(row, micros: Clock.monotonicMicros())
      } catch {
        throw RunError("error: \(error.message)")
      }
    }
  }
}
