import Planner

/// MIN and MAX. Over numbers when the group holds any; otherwise over the other comparable
/// values (strings, timestamps, booleans), as SPEC 6 says.
final class ExtremumAccumulator: Accumulator {
  let keepsMaximum: Bool
  var number: Value?
  var other: Value?

  init(keepsMaximum: Bool) { self.keepsMaximum = keepsMaximum }

  private func better(_ candidate: Value, than current: Value?) -> Bool {
    guard let current else { return true }
    guard let order = ValueOps.compare(candidate, current) else { return false }
    return keepsMaximum ? order > 0 : order < 0
  }

  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    offer(args[0])
  }

  private func offer(_ v: Value) {
    switch v {
    case .null: return
    case .int, .double:
      if case .double(let d) = v, d.isNaN { return }
      if better(v, than: number) { number = v }
    case .json: return
    default:
      if better(v, than: other) { other = v }
    }
  }

  func merge(_ other: Accumulator) {
    let o = other as! ExtremumAccumulator
    if let n = o.number { offer(n) }
    if let x = o.other { offer(x) }
  }

  var result: Value { number ?? other ?? .null }
}

/// STDDEV_SAMP, STDDEV_POP, VAR_SAMP, VAR_POP by Welford's method, merged with Chan's formula.
final class MomentsAccumulator: Accumulator {
  let function: AggregateFunction
  var count: Double = 0
  var mean: Double = 0
  var m2: Double = 0

  init(function: AggregateFunction) { self.function = function }

  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    guard let x = args[0].numeric else {
      if !args[0].isNull { warnings &+= 1 }
      return
    }
    count += 1
    let delta = x - mean
    mean += delta / count
    m2 += delta * (x - mean)
  }

  func merge(_ other: Accumulator) {
    let o = other as! MomentsAccumulator
    guard o.count > 0 else { return }
    let total = count + o.count
    let delta = o.mean - mean
    m2 += o.m2 + delta * delta * count * o.count / total
    mean += delta * o.count / total
    count = total
  }

  var result: Value {
    switch function {
    case .varPop: return count >= 1 ? .double(m2 / count) : .null
    case .stddevPop: return count >= 1 ? .double((m2 / count).squareRoot()) : .null
    case .varSamp: return count >= 2 ? .double(m2 / (count - 1)) : .null
    default: return count >= 2 ? .double((m2 / (count - 1)).squareRoot()) : .null
    }
  }
}

/// FIRST and LAST by event time; ties go to the earlier arrival for FIRST, the later for LAST.
final class FirstLastAccumulator: Accumulator {
  let keepsLast: Bool
  var time: Int64 = 0
  var value: Value?

  init(keepsLast: Bool) { self.keepsLast = keepsLast }

  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    offer(args[0], time)
  }

  private func offer(_ v: Value, _ t: Int64) {
    guard value != nil else {
      value = v
      time = t
      return
    }
    if keepsLast ? t >= time : t < time {
      value = v
      time = t
    }
  }

  func merge(_ other: Accumulator) {
    let o = other as! FirstLastAccumulator
    if let v = o.value { offer(v, o.time) }
  }

  var result: Value { value ?? .null }
}

/// COLLECT_LIST: the non-NULL values in arrival order, as a JSON array.
final class CollectListAccumulator: Accumulator {
  var values: [Value] = []
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    if !args[0].isNull { values.append(args[0]) }
  }
  func merge(_ other: Accumulator) { values += (other as! CollectListAccumulator).values }
  var result: Value { .json(JSONText.array(values)) }
}

/// APPROX_PERCENTILE(x, p): computed exactly (nearest rank, linear between neighbours) from the
/// values kept, so its error bound is zero; state grows with the group's rows.
final class PercentileAccumulator: Accumulator {
  let fraction: Double
  var values: [Double] = []
  init(fraction: Double) { self.fraction = Swift.min(1, Swift.max(0, fraction)) }
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    if let x = args[0].numeric { values.append(x) } else if !args[0].isNull { warnings &+= 1 }
  }
  func merge(_ other: Accumulator) { values += (other as! PercentileAccumulator).values }
  var result: Value {
    guard !values.isEmpty else { return .null }
    let sorted = values.sorted()
    let position = fraction * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = Swift.min(lower + 1, sorted.count - 1)
    let weight = position - Double(lower)
    return .double(sorted[lower] + (sorted[upper] - sorted[lower]) * weight)
  }
}

/// TOP_K(x, k): the k most frequent values, most frequent first (ties by first appearance).
final class TopKAccumulator: Accumulator {
  let k: Int
  var counts: [Value: (count: Int64, order: Int)] = [:]
  init(k: Int) { self.k = Swift.max(0, k) }
  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    let v = args[0]
    if v.isNull { return }
    let order = counts[v]?.order ?? counts.count
    counts[v] = ((counts[v]?.count ?? 0) + 1, order)
  }
  func merge(_ other: Accumulator) {
    for (v, entry) in (other as! TopKAccumulator).counts {
      let order = counts[v]?.order ?? counts.count
      counts[v] = ((counts[v]?.count ?? 0) + entry.count, order)
    }
  }
  var result: Value {
    let top = counts.sorted {
      $0.value.count != $1.value.count
        ? $0.value.count > $1.value.count : $0.value.order < $1.value.order
    }
    return .json(JSONText.array(top.prefix(k).map(\.key)))
  }
}

/// `AGG(DISTINCT x)` for aggregates other than COUNT: each distinct value is fed once.
final class DistinctAccumulator: Accumulator {
  let call: AggregateCall
  var seen: [Value: Int64] = [:]
  var order: [Value] = []

  init(inner: AggregateCall) { call = inner }

  func add(_ args: UnsafeBufferPointer<Value>, time: Int64, warnings: inout Int) {
    let v = args[0]
    if v.isNull || seen[v] != nil { return }
    seen[v] = time
    order.append(v)
  }

  func merge(_ other: Accumulator) {
    for v in (other as! DistinctAccumulator).order where seen[v] == nil {
      seen[v] = (other as! DistinctAccumulator).seen[v]
      order.append(v)
    }
  }

  var result: Value {
    let inner = call.makeAccumulator()
    var ignored = 0
    for v in order {
      var args = [v]
      if call.arguments.count > 1, case .literal(let extra) = call.arguments[1] {
        args.append(extra)
      }
      args.withUnsafeBufferPointer { inner.add($0, time: seen[v] ?? 0, warnings: &ignored) }
    }
    return inner.result
  }
}
