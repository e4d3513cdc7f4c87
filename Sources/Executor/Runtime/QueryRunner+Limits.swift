import Planner

/// The limits one query runs under, from `--max-state-rows` and `--max-future` (SPEC 9: no input
/// makes memory grow without bound; SPEC 4: one bad clock must not make every later row late).
struct QueryLimits: Sendable {
  /// Stop the query (exit 1) once its state holds more rows than this.
  var maxStateRows: Int?
  /// Quarantine rows whose event time is more than this many ms ahead of the wall clock at
  /// arrival: they neither advance the watermark nor reach the query.
  var maxFutureMillis: Int64?

  init(maxStateRows: Int? = nil, maxFutureMillis: Int64? = nil) {
    self.maxStateRows = maxStateRows
    self.maxFutureMillis = maxFutureMillis
  }

  init(_ options: RunOptions) {
    self.init(maxStateRows: options.maxStateRows, maxFutureMillis: options.maxFutureMillis)
  }

  /// The latest event time accepted for a row that arrived at `arrival` (ms), or nil when
  /// `--max-future` is off. Saturates instead of overflowing.
  func futureLimit(arrival: Int64) -> Int64? {
    guard let ahead = maxFutureMillis else { return nil }
    let (sum, overflow) = arrival.addingReportingOverflow(ahead)
    return overflow ? Int64.max : sum
  }
}

extension QueryRunner {
  /// Rows of state the query holds now: the window operator's (window, group) rows, or, for a
  /// row-at-a-time query, the DISTINCT rows remembered and the ORDER BY rows buffered.
  ///
  /// - Complexity: O(windows) for tumbling and hopping windows, O(groups) for the others; it
  ///   runs once per batch, not per row.
  var stateRowCount: Int {
    if let windowOperator { return windowOperator.stateRowCount }
    return distinctSeen.count + sortBuffer.count
  }

  /// After a batch: records the peak state for `--stats` and enforces `--max-state-rows`.
  func checkStateLimit() throws(RunError) {
    let rows = stateRowCount
    if rows > stats.peakStateRows { stats.peakStateRows = rows }
    if let limit = limits.maxStateRows, rows > limit {
      throw RunError(
        "query \(plan.label) holds \(rows) rows of state (windows × groups), more than --max-state-rows \(limit); "
          + "group by fewer distinct keys, use shorter windows, or raise the limit")
    }
  }
}
