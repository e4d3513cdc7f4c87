import Planner

/// Saves and restores the running state of every `Accumulator` kind.
///
/// Restoring never creates accumulators: the operator builds a group's accumulators as it does
/// for a new group (so each has the right kind and arguments) and then hands each one here to
/// take its saved fields back. A kind this file does not know is a programming error caught by
/// `CheckpointSupport` before a run starts, and a decode error here.
enum AccumulatorCheckpoint {
  static func save(_ a: Accumulator, into w: inout CheckpointWriter) {
    switch a {
    case let a as CellAccumulator: save(a.cell, a.kind, into: &w)
    case let a as CountDistinctAccumulator: w.values(a.seen)
    case let a as ExtremumAccumulator:
      w.optionalValue(a.number)
      w.optionalValue(a.other)
    case let a as MomentsAccumulator:
      w.double(a.count)
      w.double(a.mean)
      w.double(a.m2)
    case let a as FirstLastAccumulator:
      w.int(a.time)
      w.optionalValue(a.value)
    case let a as CollectListAccumulator: w.values(a.values)
    case let a as PercentileAccumulator:
      w.int(a.values.count)
      for d in a.values { w.double(d) }
    case let a as TopKAccumulator:
      w.int(a.counts.count)
      for (v, e) in a.counts {
        w.value(v)
        w.int(e.count)
        w.int(e.order)
      }
    case let a as DistinctAccumulator:
      w.values(a.order)
      for v in a.order { w.int(a.seen[v] ?? 0) }
    default:
      preconditionFailure("no checkpoint encoding for \(type(of: a))")
    }
  }

  static func restore(_ a: Accumulator, from r: inout CheckpointReader) throws(CheckpointError) {
    switch a {
    case let a as CellAccumulator: a.cell = try restoreCell(a.kind, from: &r)
    case let a as CountDistinctAccumulator: a.seen = Set(try r.values())
    case let a as ExtremumAccumulator:
      a.number = try r.optionalValue()
      a.other = try r.optionalValue()
    case let a as MomentsAccumulator:
      a.count = try r.double()
      a.mean = try r.double()
      a.m2 = try r.double()
    case let a as FirstLastAccumulator:
      a.time = try r.int()
      a.value = try r.optionalValue()
    case let a as CollectListAccumulator: a.values = try r.values()
    case let a as PercentileAccumulator:
      let n = try r.count()
      var values: [Double] = []
      values.reserveCapacity(n)
      for _ in 0..<n { values.append(try r.double()) }
      a.values = values
    case let a as TopKAccumulator:
      let n = try r.count()
      var counts: [Value: (count: Int64, order: Int)] = [:]
      for _ in 0..<n {
        let v = try r.value()
        let c = try r.int()
        counts[v] = (c, Int(try r.int()))
      }
      a.counts = counts
    case let a as DistinctAccumulator:
      let order = try r.values()
      var seen: [Value: Int64] = [:]
      for v in order { seen[v] = try r.int() }
      a.order = order
      a.seen = seen
    default:
      throw CheckpointError("no checkpoint encoding for \(type(of: a))")
    }
  }

  /// Saves a cell: a `GroupTable`'s flat cell or a `CellAccumulator`'s (the same bytes, so a
  /// checkpoint does not depend on which form held a group).
  static func save(_ c: AggregateCell, _ kind: AggregateCell.Kind, into w: inout CheckpointWriter) {
    switch kind {
    case .countStar, .count, .trackedCount: w.int(c.integer)
    case .sum:
      w.int(c.integer)
      w.double(c.real)
      w.bool(c.sawValue)
      w.bool(c.isReal)
    case .average:
      w.double(c.real)
      w.int(c.integer)
    }
  }

  /// Reads a cell that `save(_:_:into:)` wrote.
  static func restoreCell(_ kind: AggregateCell.Kind, from r: inout CheckpointReader)
    throws(CheckpointError) -> AggregateCell
  {
    var c = AggregateCell()
    switch kind {
    case .countStar, .count, .trackedCount: c.integer = try r.int()
    case .sum:
      c.integer = try r.int()
      c.real = try r.double()
      c.sawValue = try r.bool()
      c.isReal = try r.bool()
    case .average:
      c.real = try r.double()
      c.integer = try r.int()
    }
    return c
  }
}
