import Executor
import Planner

/// What a windowed query's operator receives, built ahead: one batch per piece of input, and
/// the watermark after it, as the executor's `QueryRunner` builds them.
public struct WindowInput {
  public let query: QueryPlan
  public let batches: [(batch: RowBatch, watermark: Int64)]
  public let rowCount: Int

  public init(_ workload: Workload) {
    query = workload.query
    let width = QueryPreparer(plan: query).width
    var batches: [(RowBatch, Int64)] = []
    var maxTime = Int64.min
    var watermark = Int64.min
    var rows = 0
    for prepared in workload.prepared() {
      var batch = RowBatch(width: width)
      for i in 0..<prepared.times.count {
        let before = watermark
        let time = prepared.times[i]
        if query.eventTime != nil && time > maxTime {
          maxTime = time
          watermark = time &- query.graceMillis
        }
        let offset = Int(prepared.offsets[i])
        guard offset >= 0 else { continue }
        batch.append(
          prepared.values[offset..<offset + width], time: time, watermark: before, line: Int32(i))
      }
      rows += batch.count
      batches.append((batch, watermark))
    }
    self.batches = batches
    rowCount = rows
  }

  /// A fresh operator for the query's window, as the executor chooses it.
  public func makeOperator() -> any StreamOperator {
    let layout = AggregateLayout(keyCount: query.groupKeys.count, aggregates: query.aggregates)
    switch query.window {
    case nil:
      return TimeWindowOperator(layout: layout, size: nil, advance: nil, emitsChanges: false)
    case .tumbling(let size)?:
      return TimeWindowOperator(layout: layout, size: size, advance: size, emitsChanges: false)
    case .hopping(let size, let advance)?:
      return TimeWindowOperator(layout: layout, size: size, advance: advance, emitsChanges: false)
    case .session(let gap)?:
      return SessionWindowOperator(layout: layout, gap: gap)
    case .moving(let size)?:
      return MovingWindowOperator(layout: layout, size: size)
    case .countTumbling(let n)?:
      return CountWindowOperator(layout: layout, size: n, advance: n)
    case .countHopping(let n, let advance)?:
      return CountWindowOperator(layout: layout, size: n, advance: advance)
    }
  }

  /// Feeds every batch and watermark to a fresh operator, then ends the input; returns the
  /// number of aggregate rows emitted.
  public func run() throws -> Int {
    let op = makeOperator()
    var emitted = 0
    for (batch, watermark) in batches {
      var emitter = Emitter()
      try op.process(batch, emit: &emitter)
      if query.eventTime != nil { try op.onWatermark(watermark, emit: &emitter) }
      for group in emitter.groups { emitted += group.rows.count }
    }
    var emitter = Emitter()
    try op.finish(emit: &emitter)
    for group in emitter.groups { emitted += group.rows.count }
    return emitted
  }
}
