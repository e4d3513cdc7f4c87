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
      if arguments.isEmpty { return CountStarAccumulator() }
      return distinct ? CountDistinctAccumulator() : CountAccumulator()
    case .approxCountDistinct: return CountDistinctAccumulator()
    case .sum: return SumAccumulator()
    case .avg: return AverageAccumulator()
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

final class CountStarAccumulator: Accumulator {
  var count: Int64 = 0
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) { count &+= 1 }
  func merge(_ other: Accumulator) { count &+= (other as! CountStarAccumulator).count }
  var result: Value { .int(count) }
}

final class CountAccumulator: Accumulator {
  var count: Int64 = 0
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    if !args[0].isNull { count &+= 1 }
  }
  func merge(_ other: Accumulator) { count &+= (other as! CountAccumulator).count }
  var result: Value { .int(count) }
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
final class SumAccumulator: Accumulator {
  var integer: Int64 = 0
  var real: Double = 0
  var sawValue = false
  var isReal = false

  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    switch args[0] {
    case .null: return
    case .int(let v): addInteger(v)
    case .double(let v):
      if !isReal { becomeReal() }
      real += v
      sawValue = true
    default: warnings &+= 1
    }
  }

  private func addInteger(_ v: Int64) {
    sawValue = true
    if isReal {
      real += Double(v)
      return
    }
    let (sum, overflow) = integer.addingReportingOverflow(v)
    if overflow {
      becomeReal()
      real += Double(v)
    } else {
      integer = sum
    }
  }

  private func becomeReal() {
    isReal = true
    real = Double(integer)
  }

  func merge(_ other: Accumulator) {
    let o = other as! SumAccumulator
    guard o.sawValue else { return }
    if o.isReal {
      if !isReal { becomeReal() }
      real += o.real
      sawValue = true
    } else {
      addInteger(o.integer)
    }
  }

  var result: Value {
    guard sawValue else { return .null }
    return isReal ? .double(real) : .int(integer)
  }
}

final class AverageAccumulator: Accumulator {
  var sum: Double = 0
  var count: Int64 = 0
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    switch args[0] {
    case .null: return
    case .int(let v):
      sum += Double(v)
      count &+= 1
    case .double(let v):
      sum += v
      count &+= 1
    default: warnings &+= 1
    }
  }
  func merge(_ other: Accumulator) {
    let o = other as! AverageAccumulator
    sum += o.sum
    count &+= o.count
  }
  var result: Value { count == 0 ? .null : .double(sum / Double(count)) }
}
