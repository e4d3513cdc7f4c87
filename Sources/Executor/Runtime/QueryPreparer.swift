import Planner

/// The per-row work of one query that needs no state and no order: event time, filter, and the
/// values the rest of the query needs (group keys and aggregate arguments, or the projection).
///
/// It runs on scanning threads, one instance per piece of input, so that only the stateful part
/// of a query (watermark, windows, output) runs in arrival order on the main thread.
public final class QueryPreparer {
  /// What one piece of input yields for one query, in row order.
  public struct Prepared: Sendable {
    /// Per row with a valid time: the time, the row's index in the piece, and where its values
    /// start in `values` (-1 when the filter rejected it; it still advances the watermark).
    /// Without an event time `prepareColumns` leaves rejected rows out.
    public var times: [Int64] = []
    var rows: [Int32] = []
    public var offsets: [Int32] = []
    /// `width` values per row that passed the filter.
    public var values: [Value] = []
    /// The piece's scanned rows themselves, when this query's values lie side by side in them
    /// (`prepare(sharing:)`): then `offsets` index into them and `values` is empty.
    var scanned: ScannedValues?
    /// Rows that failed (no event time, a failed CAST), with the reason.
    var errors: [(row: Int32, message: String)] = []
    /// With `dedupe_key`: per row in `times`, the key and the stream's time (`DedupePlan`).
    var dedupeKeys: [Value] = []
    var dedupeTimes: [Int64] = []
    /// Every row in `times` passed (no filter): `offsets` are the rows' starts in `values`,
    /// none is -1.
    var everyRowPasses = false

    /// `count` values from `offset` of the block that `offsets` index into.
    func values(at offset: Int, count: Int) -> [Value] {
      if let scanned { return Array(scanned.buffer[offset..<offset + count]) }
      return Array(values[offset..<offset + count])
    }

    /// Values per row (the query's outputs).
    var width = 0

    /// The values of each row that passed the filter, wherever they lie.
    var keptRows: [[Value]] {
      offsets.filter { $0 >= 0 }.map { values(at: Int($0), count: width) }
    }
  }

  private let eventTime: CompiledExpr?
  private let filter: CompiledExpr?
  /// Group keys then aggregate arguments (aggregating), or the projections (row at a time).
  private let outputs: [CompiledExpr]
  private let context: CompiledExpr.Context
  /// Per output, the slot it copies when it is a bare column (read without a closure call),
  /// else -1; the same for the event time.
  private let outputSlots: [Int]
  /// Per output: it is a bare column that no later output reads, so that a preparer allowed
  /// to (`movesValues`) moves the value out of the scanned row instead of copying it.
  private let lastReads: [Bool]
  private let eventTimeSlot: Int
  private let expectsAllRows: Bool
  public let width: Int
  /// `dedupe_key` and the stream's timestamp (nil when it is the query's event time).
  private let dedupeKey: CompiledExpr?
  private let dedupeTime: CompiledExpr?
  /// No dedupe key, and the event time (if any) and every output are bare columns: the
  /// common shape, prepared by `prepareColumns` without a closure call or array append per
  /// value.
  private let readsOnlyColumns: Bool
  /// The filter when it compares a column with a constant (`status >= 500`).
  private let comparison: ColumnComparison?
  /// When the outputs are bare columns lying side by side and in order in a scanned row (as
  /// the planner numbers fields: `country, amount, latency_ms` for `GROUP BY country` with
  /// `SUM(amount), AVG(latency_ms)`), the first one's slot: the rows can then stay where they
  /// were scanned (`prepare(sharing:)`).
  let sharedFirstSlot: Int?

  public init(plan: QueryPlan) {
    let context = CompiledExpr.Context()
    self.context = context
    eventTime = plan.eventTime.map { CompiledExpr($0, context: context) }
    filter = plan.filter.map { CompiledExpr($0, context: context) }
    let exprs = Self.rowExpressions(of: plan)
    outputs = exprs.map { CompiledExpr($0, context: context) }
    let outputSlots = exprs.map { if case .slot(let i, _) = $0 { i } else { -1 } }
    self.outputSlots = outputSlots
    lastReads = outputSlots.indices.map { k in
      outputSlots[k] >= 0 && !outputSlots[(k + 1)...].contains(outputSlots[k])
    }
    if case .slot(let i, _)? = plan.eventTime { eventTimeSlot = i } else { eventTimeSlot = -1 }
    // Without a filter every row is kept: room for all of them at once.
    expectsAllRows = plan.filter == nil
    width = exprs.count
    dedupeKey = plan.dedupe.map { CompiledExpr($0.key, context: context) }
    dedupeTime = plan.dedupe.flatMap {
      $0.time == plan.eventTime ? nil : CompiledExpr($0.time, context: context)
    }
    comparison = plan.filter.flatMap { ColumnComparison($0) }
    readsOnlyColumns =
      plan.dedupe == nil && (plan.eventTime == nil || eventTimeSlot >= 0)
      && !outputSlots.contains(-1)
    if readsOnlyColumns, let first = outputSlots.first,
      outputSlots.enumerated().allSatisfy({ $1 == first + $0 })
    {
      sharedFirstSlot = first
    } else {
      sharedFirstSlot = nil
    }
  }

  /// The expressions evaluated per scanned row besides time, filter and dedupe key: group keys
  /// then aggregate arguments (aggregating), or the projections then ORDER BY keys.
  static func rowExpressions(of plan: QueryPlan) -> [BoundExpr] {
    if plan.mode == .aggregate {
      return plan.groupKeys + plan.aggregates.flatMap(\.arguments)
    }
    return plan.projections + plan.orderBy.map(\.expr)
  }

  public func prepare(_ values: [Value], width rowWidth: Int, count: Int, arrivalMillis: Int64)
    -> Prepared
  {
    values.withUnsafeBufferPointer {
      prepare(
        UnsafeMutableBufferPointer(mutating: $0), width: rowWidth, count: count,
        arrivalMillis: arrivalMillis, movesValues: false)
    }
  }

  /// Prepares `count` rows of `rowWidth` values each (`ScannedValues`).
  ///
  /// With `movesValues`, a value the query outputs as a bare column is moved out of `values`
  /// (leaving NULL) rather than copied, when no later output of this query reads its slot: no
  /// retain here and no release when the scanned values are freed. Only the last reader of
  /// `values` may move (`ScanJob` prepares its queries in turn, the last one moving); without
  /// it `values` is only read.
  func prepare(
    _ values: UnsafeMutableBufferPointer<Value>, width rowWidth: Int, count: Int,
    arrivalMillis: Int64, movesValues: Bool
  ) -> Prepared {
    context.now = arrivalMillis
    if readsOnlyColumns {
      var out = prepareColumns(
        values, width: rowWidth, count: count, arrivalMillis: arrivalMillis,
        movesValues: movesValues)
      out.width = width
      return out
    }
    var out = Prepared()
    out.width = width
    out.times.reserveCapacity(count)
    out.rows.reserveCapacity(count)
    out.offsets.reserveCapacity(count)
    if expectsAllRows { out.values.reserveCapacity(count * width) }
    let outputs = self.outputs
    let outputSlots = self.outputSlots
    let eventTimeSlot = self.eventTimeSlot
    do {
      let all = UnsafeBufferPointer(values)
      for r in 0..<count {
        let row = UnsafeBufferPointer(rebasing: all[r * rowWidth..<(r + 1) * rowWidth])
        let mark = out.values.count
        do throws(RowError) {
          var time = arrivalMillis
          if let eventTime {
            let v = eventTimeSlot >= 0 ? row[eventTimeSlot] : try eventTime.evaluate(row)
            guard let t = ScalarFunction.timestampArgument(v) else {
              throw RowError("event time is missing or not a time")
            }
            time = t
          }
          if let dedupeKey {
            var streamTime = time
            if let dedupeTime {
              guard let t = ScalarFunction.timestampArgument(try dedupeTime.evaluate(row)) else {
                throw RowError("event time is missing or not a time")
              }
              streamTime = t
            }
            let key = try dedupeKey.evaluate(row)
            out.dedupeKeys.append(key)
            out.dedupeTimes.append(streamTime)
          }
          var offset: Int32 = -1
          var passes = true
          if let filter { passes = ValueOps.truthiness(try filter.evaluate(row)) == true }
          if passes {
            offset = Int32(out.values.count)
            for k in 0..<outputs.count {
              let slot = outputSlots[k]
              out.values.append(slot >= 0 ? row[slot] : try outputs[k].evaluate(row))
            }
          }
          out.times.append(time)
          out.rows.append(Int32(r))
          out.offsets.append(offset)
        } catch {
          out.values.removeLast(out.values.count - mark)
          if out.dedupeKeys.count > out.times.count {
            out.dedupeKeys.removeLast()
            out.dedupeTimes.removeLast()
          }
          out.errors.append((Int32(r), error.message))
        }
      }
    }
    return out
  }

  /// `prepare` for a query with a `sharedFirstSlot`, its rows left in `scanned` rather than
  /// copied or moved out: the prepared piece keeps `scanned` (which is freed with it), and its
  /// offsets point at each kept row's first output in it. The piece's last query only: no
  /// other reads `scanned` after it.
  ///
  /// Copying the values out cost about as much as the ordered stage's window update, and
  /// freeing the copies as much again.
  func prepare(sharing scanned: ScannedValues, width rowWidth: Int, count: Int, arrivalMillis: Int64)
    -> Prepared
  {
    guard let first = sharedFirstSlot else { preconditionFailure("outputs not side by side") }
    context.now = arrivalMillis
    var out = prepareColumns(
      scanned.mutableBuffer, width: rowWidth, count: count, arrivalMillis: arrivalMillis,
      movesValues: false, sharedFrom: first)
    out.scanned = scanned
    out.width = width
    return out
  }

  /// `prepare` when every output and the event time are bare columns and there is no dedupe
  /// key: the same rows, times, offsets, values and errors, written in place. The values are
  /// written into room for every row (pages a filter leaves unused are never touched), the
  /// per-row arrays are sized up front, and a time already read as a timestamp
  /// (`EventTimeSlots`) is taken as it is.
  /// With `sharedFrom`, no values are written: the offsets are those of the rows' outputs in
  /// `all`, from that slot.
  private func prepareColumns(
    _ all: UnsafeMutableBufferPointer<Value>, width rowWidth: Int, count: Int,
    arrivalMillis: Int64, movesValues: Bool, sharedFrom: Int? = nil
  ) -> Prepared {
    if eventTime == nil && filter == nil {
      return prepareEveryRow(
        all, width: rowWidth, count: count, arrivalMillis: arrivalMillis,
        movesValues: movesValues, sharedFrom: sharedFrom)
    }
    var out = Prepared()
    out.everyRowPasses = filter == nil
    guard count > 0, let base = all.baseAddress else { return out }
    let width = self.width
    let moves = lastReads.map { $0 && movesValues }
    var errors: [(row: Int32, message: String)] = []
    var kept = 0
    // Every entry below `kept` is written before it is read; the rest are cut off at the end.
    var times = [Int64](unsafeUninitializedCapacity: count) { $1 = count }
    var rows = [Int32](unsafeUninitializedCapacity: count) { $1 = count }
    var offsets = [Int32](unsafeUninitializedCapacity: count) { $1 = count }
    // Returns the values written to `values` (nil: none are, the rows are shared).
    func fill(_ values: UnsafeMutablePointer<Value>?) -> Int {
      times.withUnsafeMutableBufferPointer { times in
        rows.withUnsafeMutableBufferPointer { rows in
          offsets.withUnsafeMutableBufferPointer { offsets in
            outputSlots.withUnsafeBufferPointer { slots in
              moves.withUnsafeBufferPointer { moves in
                let rowsOut = RowsOut(
                  times: times.baseAddress!, rows: rows.baseAddress!,
                  offsets: offsets.baseAddress!, values: values, sharedFrom: sharedFrom)
                let (k, written) = fillColumns(
                  base, width: rowWidth, count: count, arrivalMillis: arrivalMillis,
                  slots: slots, moves: moves, into: rowsOut, errors: &errors)
                kept = k
                return written
              }
            }
          }
        }
      }
    }
    if sharedFrom != nil {
      _ = fill(nil)
    } else {
      out.values = [Value](unsafeUninitializedCapacity: count * width) { buffer, initialized in
        initialized = fill(buffer.baseAddress)
      }
    }
    times.removeLast(count - kept)
    rows.removeLast(count - kept)
    offsets.removeLast(count - kept)
    out.times = times
    out.rows = rows
    out.offsets = offsets
    out.errors = errors
    return out
  }

  /// Where `fillColumns` writes: per row kept its time, index and offset, and the values.
  private struct RowsOut {
    let times: UnsafeMutablePointer<Int64>
    let rows: UnsafeMutablePointer<Int32>
    let offsets: UnsafeMutablePointer<Int32>
    /// Nil when the query outputs nothing (`COUNT(*)` with a filter) or its rows are shared.
    let values: UnsafeMutablePointer<Value>?
    /// The rows are shared (`prepare(sharing:)`): a kept row's offset is that of this slot of
    /// its scanned row.
    let sharedFrom: Int?
  }

  /// The row loop of `prepareColumns`, its counters in locals rather than in variables that
  /// closures capture (which live in memory): returns the rows kept and the values written.
  private func fillColumns(
    _ all: UnsafeMutablePointer<Value>, width rowWidth: Int, count: Int, arrivalMillis: Int64,
    slots: UnsafeBufferPointer<Int>, moves: UnsafeBufferPointer<Bool>, into out: RowsOut,
    errors: inout [(row: Int32, message: String)]
  ) -> (kept: Int, written: Int) {
    let timeSlot = eventTime == nil ? -1 : eventTimeSlot
    let keepsRejected = eventTime != nil
    let comparison = self.comparison
    let filter = comparison == nil ? self.filter : nil
    let outputs = slots.count
    // Usually the one query moves every value it outputs: no test per value then.
    let movesAll = moves.allSatisfy { $0 }
    let shared = out.sharedFrom
    var kept = 0
    var next = 0
    var rowStart = all
    for r in 0..<count {
      let row = UnsafeBufferPointer(start: rowStart, count: rowWidth)
      rowStart += rowWidth
      var time = arrivalMillis
      if timeSlot >= 0 {
        if case .timestamp(let t) = row[timeSlot] {
          time = t
        } else if let t = ScalarFunction.timestampArgument(row[timeSlot]) {
          time = t
        } else {
          errors.append((Int32(truncatingIfNeeded: r), "event time is missing or not a time"))
          continue
        }
      }
      var passes = true
      if let comparison {
        passes = comparison.passes(row)
      } else if let filter {
        do throws(RowError) {
          passes = ValueOps.truthiness(try filter.evaluate(row)) == true
        } catch {
          errors.append((Int32(truncatingIfNeeded: r), error.message))
          continue
        }
      }
      // Without an event time a rejected row has nothing left to do (it moves no watermark;
      // replays need event times): it is not handed on at all.
      if !passes && !keepsRejected { continue }
      out.times[kept] = time
      out.rows[kept] = Int32(truncatingIfNeeded: r)
      guard passes else {
        out.offsets[kept] = -1
        kept &+= 1
        continue
      }
      if let shared {
        out.offsets[kept] = Int32(truncatingIfNeeded: r &* rowWidth &+ shared)
        kept &+= 1
        continue
      }
      out.offsets[kept] = Int32(truncatingIfNeeded: next)
      kept &+= 1
      guard outputs > 0, let values = out.values, let source = row.baseAddress else { continue }
      let target = values + next
      if movesAll {
        for k in 0..<outputs {
          let from = UnsafeMutablePointer(mutating: source) + slots[k]
          (target + k).initialize(to: from.move())
          from.initialize(to: .null)
        }
        next &+= outputs
        continue
      }
      for k in 0..<outputs {
        let from = UnsafeMutablePointer(mutating: source) + slots[k]
        if moves[k] {
          (target + k).initialize(to: from.move())
          from.initialize(to: .null)
        } else {
          (target + k).initialize(to: from.pointee)
        }
      }
      next &+= outputs
    }
    return (kept, next)
  }

  /// `prepareColumns` with neither event time nor filter (`SELECT COUNT(*) FROM stdin`): every
  /// row is kept at the arrival time, so the per-row arrays are filled without a test per row.
  private func prepareEveryRow(
    _ all: UnsafeMutableBufferPointer<Value>, width rowWidth: Int, count: Int,
    arrivalMillis: Int64, movesValues: Bool, sharedFrom: Int?
  ) -> Prepared {
    var out = Prepared()
    let width = self.width
    out.times = [Int64](repeating: arrivalMillis, count: count)
    out.rows = [Int32](unsafeUninitializedCapacity: count) { rows, initialized in
      for r in 0..<count { rows[r] = Int32(truncatingIfNeeded: r) }
      initialized = count
    }
    // Shared rows stay `rowWidth` apart in the scanned values; copied ones are `width` apart.
    let (stride, first) = sharedFrom.map { (rowWidth, $0) } ?? (width, 0)
    out.offsets = [Int32](unsafeUninitializedCapacity: count) { offsets, initialized in
      for r in 0..<count { offsets[r] = Int32(truncatingIfNeeded: r &* stride &+ first) }
      initialized = count
    }
    guard sharedFrom == nil, width > 0, count > 0, let base = all.baseAddress else {
      out.everyRowPasses = true
      return out
    }
    let slots = outputSlots
    let moves = lastReads.map { $0 && movesValues }
    out.values = [Value](unsafeUninitializedCapacity: count * width) { buffer, initialized in
      var target = buffer.baseAddress!
      for r in 0..<count {
        let row = base + r * rowWidth
        for k in 0..<width {
          let source = row + slots[k]
          if moves[k] {
            target.initialize(to: source.move())
            source.initialize(to: .null)
          } else {
            target.initialize(to: source.pointee)
          }
          target += 1
        }
      }
      initialized = count * width
    }
    out.everyRowPasses = true
    return out
  }
}
