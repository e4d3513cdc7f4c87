import Planner

/// Rows moving between operators: a row-major block of values plus, per row, where its values
/// start in that block, its event time, the watermark in force when it arrived, and where it
/// came from.
///
/// Batches, not rows, cross operator boundaries, so each operator runs one loop per batch
/// instead of a virtual call per row. The block may be a scanned piece's prepared values as
/// they are (`QueryPreparer.Prepared.values`), shared rather than copied row by row: rows the
/// batch leaves out (filtered, late for `--max-future`, duplicates) simply have no start.
public struct RowBatch {
  /// Values per row.
  public var width: Int
  /// The rows' values, `width` each from the row's entry in `starts`.
  public var values: [Value] = []
  /// The rows' values when they are still where the scan put them (`Prepared.scanned`): then
  /// `starts` index into it, and `values` is empty.
  var scanned: ScannedValues?
  /// Where each row's values start in `values`.
  public var starts: [Int32] = []
  /// Event time of each row (arrival time under processing time), ms.
  public var times: [Int64] = []
  /// The watermark when the row arrived, before the row advanced it (SPEC 4): a window whose end
  /// is at or below it had already fired for this row.
  public var watermarks: [Int64] = []
  /// Index of the row's raw line in the batch's source chunk, for late output and dead letters.
  public var lines: [Int32] = []

  public init(width: Int) {
    self.width = width
  }

  public var count: Int { times.count }

  public mutating func reserve(_ rows: Int) {
    values.reserveCapacity(rows * width)
    starts.reserveCapacity(rows)
    times.reserveCapacity(rows)
    watermarks.reserveCapacity(rows)
    lines.reserveCapacity(rows)
  }

  /// Appends a row whose values are copied to the end of `values`.
  public mutating func append(
    _ row: some Collection<Value>, time: Int64, watermark: Int64, line: Int32
  ) {
    precondition(scanned == nil, "rows appended to a batch of scanned rows")
    starts.append(Int32(values.count))
    values.append(contentsOf: row)
    times.append(time)
    watermarks.append(watermark)
    lines.append(line)
  }

  /// Forgets the rows; `values` stays (rows of the same piece may follow). The arrays are
  /// let go rather than emptied in place: they may be a piece's own, shared.
  public mutating func removeRows() {
    starts = []
    times = []
    watermarks = []
    lines = []
  }

  /// Calls `body` with the block of values that `starts` index into.
  @inline(__always)
  func withValues<R>(_ body: (UnsafeBufferPointer<Value>) throws -> R) rethrows -> R {
    if let scanned { return try body(scanned.buffer) }
    return try values.withUnsafeBufferPointer(body)
  }

  public mutating func removeAll() {
    scanned = nil
    values.removeAll(keepingCapacity: true)
    starts.removeAll(keepingCapacity: true)
    times.removeAll(keepingCapacity: true)
    watermarks.removeAll(keepingCapacity: true)
    lines.removeAll(keepingCapacity: true)
  }
}

/// What an aggregating operator hands to the result stage.
public struct Emitter {
  /// One closed window's rows (EMIT FINAL), or rows whose value changed (EMIT CHANGES).
  public struct Group {
    /// Aggregate rows: `window_start, window_end, keys..., aggregates...`.
    public var rows: [[Value]]
    /// True when the window has fired: its rows are final and its state is gone.
    public var isFinal: Bool
  }

  public var groups: [Group] = []
  /// Lines (as in `RowBatch.lines`) of rows that reached no open window.
  public var late: [Int32] = []

  public init() {}

  public mutating func emit(_ rows: [[Value]], isFinal: Bool) {
    if !rows.isEmpty || isFinal { groups.append(Group(rows: rows, isFinal: isFinal)) }
  }
}

/// A stage of a query's pipeline (STYLE: batches in; watermarks; end of input).
public protocol StreamOperator: AnyObject {
  /// Takes a batch of rows that passed the filter.
  func process(_ batch: RowBatch, emit: inout Emitter) throws
  /// The watermark advanced to `watermark`: fire what it closes.
  func onWatermark(_ watermark: Int64, emit: inout Emitter) throws
  /// End of input: fire everything still open.
  func finish(emit: inout Emitter) throws
}

/// An aggregating operator: a stream operator that also reports what it did, for `--stats`.
protocol WindowOperator: StreamOperator {
  var windowsFired: Int { get }
  /// Values that were not numbers given to numeric aggregates (SPEC 6).
  var typeWarnings: Int { get }
  /// Windows (or sessions, or pending moving-window times) currently holding state.
  var openWindowCount: Int { get }
  /// Groups held across the open windows (`--metrics` state size).
  var stateGroupCount: Int { get }
  /// Rows of state held: (window, group) accumulators, sessions, buffered rows. Checked against
  /// `--max-state-rows` after each batch, so it must be cheap (O(windows) or O(groups)).
  var stateRowCount: Int { get }
}
