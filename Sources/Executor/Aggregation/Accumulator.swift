import Planner

/// The running state of one aggregate for one group in one window.
///
/// Accumulators can merge (session windows merge when a row bridges two sessions) and report
/// their current result at any time (EMIT CHANGES). Values that are not numbers given to a
/// numeric aggregate are ignored, as NULL is, and counted as type warnings (SPEC 6).
protocol Accumulator: AnyObject {
  /// Adds one row's argument values; `time` is the row's event time (FIRST/LAST).
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int)
  /// Folds another accumulator of the same kind and arguments into this one.
  func merge(_ other: Accumulator)
  var result: Value { get }
}

extension AggregateCall {
  /// A fresh accumulator for this call.
  func makeAccumulator() -> Accumulator {
    if distinct && function != .count && function != .approxCountDistinct {
      return DistinctAccumulator(
        inner: AggregateCall(function: function, arguments: arguments, distinct: false))
    }
    switch function {
    case .count:
      if arguments.isEmpty { return CellAccumulator(.countStar) }
      return distinct ? CountDistinctAccumulator() : CellAccumulator(.count)
    case .approxCountDistinct: return CountDistinctAccumulator()
    case .sum: return CellAccumulator(.sum)
    case .avg: return CellAccumulator(.average)
    case .min: return ExtremumAccumulator(keepsMaximum: false)
    case .max: return ExtremumAccumulator(keepsMaximum: true)
    case .stddevSamp, .stddevPop, .varSamp, .varPop: return MomentsAccumulator(function: function)
    case .first: return FirstLastAccumulator(keepsLast: false)
    case .last: return FirstLastAccumulator(keepsLast: true)
    case .collectList: return CollectListAccumulator()
    case .approxPercentile:
      let p: Double
      if case .literal(let v) = arguments[1], let n = v.numeric { p = n } else { p = 0.5 }
      return PercentileAccumulator(fraction: p)
    case .topK:
      let k: Int
      if case .literal(.int(let n)) = arguments[1] { k = Int(clamping: n) } else { k = 1 }
      return TopKAccumulator(k: k)
    }
  }
}

/// COUNT(*), COUNT(x), SUM(x) and AVG(x) where a group needs an accumulator object (session,
/// count and moving windows): it holds one `AggregateCell`, so its arithmetic and results are
/// those of a `GroupTable`'s flat cells by construction.
final class CellAccumulator: Accumulator {
  let kind: AggregateCell.Kind
  var cell = AggregateCell()

  init(_ kind: AggregateCell.Kind) { self.kind = kind }

  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    // COUNT(*) has no argument; the cell ignores the value for it.
    cell.add(kind, args.isEmpty ? .null : args[0], warnings: &warnings)
  }

  func merge(_ other: Accumulator) { cell.merge(kind, (other as! CellAccumulator).cell) }

  var result: Value { cell.result(kind) }
}

/// COUNT(DISTINCT x) and APPROX_COUNT_DISTINCT(x); the latter is exact here, which is within
/// any error bound.
final class CountDistinctAccumulator: Accumulator {
  var seen: Set<Value> = []
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    if !args[0].isNull { seen.insert(args[0]) }
  }
  func merge(_ other: Accumulator) { seen.formUnion((other as! CountDistinctAccumulator).seen) }
  var result: Value { .int(Int64(seen.count)) }
}

/// SUM: BIGINT while every value is an integer and the total fits, DOUBLE otherwise.
