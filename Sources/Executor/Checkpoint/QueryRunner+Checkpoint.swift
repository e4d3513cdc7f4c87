import Planner

/// Saving and restoring everything a `QueryRunner` carries from one piece to the next: the
/// per-input event-time maxima and the watermark, the counters, the window operator's state (of
/// any kind), the rows EMIT CHANGES last printed per key, and project mode's DISTINCT set, ORDER
/// BY buffer and LIMIT countdown, the keys `dedupe_key` remembers, and the rows `--from`/`--until`
/// turned away.
extension QueryRunner {
  func save(into w: inout CheckpointWriter) {
    w.int(maxTimes.count)
    for (t, done) in zip(maxTimes, inputFinished) {
      w.int(t)
      w.bool(done)
    }
    w.int(watermark)
    w.bool(isDone)
    w.bool(remaining != nil)
    w.int(remaining ?? 0)
    w.int(stats.lateEvents)
    w.int(stats.rowsOut)
    w.int(stats.badRows)
    w.int(distinctSeen.count)
    for row in distinctSeen { w.values(row) }
    w.int(sortBuffer.count)
    for entry in sortBuffer {
      w.values(entry.sort)
      w.values(entry.out)
    }
    w.int(results?.rowErrors ?? 0)
    let printed = results?.printed ?? [:]
    w.int(printed.count)
    for (key, row) in printed {
      w.values(key)
      w.values(row)
    }
    w.bool(windowOperator != nil)
    switch windowOperator {
    case let op as TimeWindowOperator: op.save(into: &w)
    case let op as SessionWindowOperator: op.save(into: &w)
    case let op as MovingWindowOperator: op.save(into: &w)
    case let op as CountWindowOperator: op.save(into: &w)
    case nil: break
    case let op?: preconditionFailure("no checkpoint encoding for \(type(of: op))")
    }
    w.bool(deduplicator != nil)
    deduplicator?.save(into: &w)
    w.int(rowsOutsideRange)
  }

  func restore(from r: inout CheckpointReader) throws(CheckpointError) {
    let inputs = try r.count()
    guard inputs == maxTimes.count else {
      throw CheckpointError(
        "the checkpoint was taken over \(inputs) inputs, this run has \(maxTimes.count)")
    }
    for i in 0..<inputs {
      maxTimes[i] = try r.int()
      inputFinished[i] = try r.bool()
    }
    watermark = try r.int()
    isDone = try r.bool()
    let hasRemaining = try r.bool()
    let left = Int(try r.int())
    remaining = hasRemaining ? left : nil
    stats.lateEvents = Int(try r.int())
    stats.rowsOut = Int(try r.int())
    stats.badRows = Int(try r.int())
    distinctSeen = []
    for _ in 0..<(try r.count()) { distinctSeen.insert(try r.values()) }
    sortBuffer = []
    for _ in 0..<(try r.count()) {
      let sort = try r.values()
      sortBuffer.append((sort, try r.values()))
    }
    let rowErrors = Int(try r.int())
    var printed: [[Value]: [Value]] = [:]
    for _ in 0..<(try r.count()) {
      let key = try r.values()
      printed[key] = try r.values()
    }
    if let results {
      results.rowErrors = rowErrors
      results.printed = printed
    }
    let hasOperator = try r.bool()
    guard hasOperator == (windowOperator != nil) else {
      throw CheckpointError("the checkpoint does not match the query's aggregation")
    }
    switch windowOperator {
    case let op as TimeWindowOperator: try op.restore(from: &r)
    case let op as SessionWindowOperator: try op.restore(from: &r)
    case let op as MovingWindowOperator: try op.restore(from: &r)
    case let op as CountWindowOperator: try op.restore(from: &r)
    case nil: break
    case let op?: throw CheckpointError("the checkpoint cannot restore a \(type(of: op))")
    }
    guard try r.bool() == (deduplicator != nil) else {
      throw CheckpointError("the checkpoint does not match the stream's dedupe_key")
    }
    try deduplicator?.restore(from: &r)
    rowsOutsideRange = Int(try r.int())
  }
}
