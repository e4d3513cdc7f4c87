import Planner

extension QueryRunner {
  /// Whether row `i` of a prepared piece goes on to the watermark and the query: not outside
  /// `--from`/`--until`, not a repeat under `dedupe_key`. Rows turned away are counted and
  /// otherwise behave as if they were not in the input.
  @inline(__always)
  func admits(_ prepared: QueryPreparer.Prepared, at i: Int) -> Bool {
    if let replay, replay.selectsRange, !replay.contains(prepared.times[i]) {
      rowsOutsideRange += 1
      return false
    }
    if let deduplicator, i < prepared.dedupeKeys.count,
      !deduplicator.admit(prepared.dedupeKeys[i], time: prepared.dedupeTimes[i])
    {
      return false
    }
    return true
  }

  /// `--replay-speed`: fires what the rows so far closed and flushes the output, so results
  /// appear as the replay reaches them, then waits.
  func pause(micros: Int64, job: ScanJob) throws(RunError) {
    try flushBatch(job: job)
    try output.sink.flush()
    ReplayPacer.sleep(micros: micros)
  }

  /// This query's deduplication and replay counters for `--stats`.
  var replayStats: (duplicates: Int, evicted: Int, peakKeys: Int, outsideRange: Int) {
    (
      deduplicator?.dropped ?? 0, deduplicator?.evicted ?? 0, deduplicator?.peakKeys ?? 0,
      rowsOutsideRange
    )
  }
}
