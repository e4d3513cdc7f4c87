import Planner
import Testing

@testable import Executor

/// `TypeDrift.observe` counts by a lookup of each value's case and then sorts JSON texts into
/// objects and arrays: the counts are those of `TypeDrift.kind` value by value, over rows
/// mixing every kind, with JSON arrays (one with leading whitespace) among objects, in slots
/// that hold none, some or only JSON, over pieces counted in turn.
@Test func typeDriftCountsEachValueAsKindDoes() {
  let samples: [Value] = [
    .null, .bool(true), .int(7), .double(2.5), .string("us"), .timestamp(1), .interval(2),
    .json(#"{"a":1}"#), .json("[1,2]"), .json(" \n[3]"), .json("{}"), .string("[not json]"),
  ]
  var rng = SplitMix64(state: 11)
  let width = 4
  let paths: [FieldPath] = (0..<width).map { [.key("f\($0)")] }
  var drift = TypeDrift(fields: paths)
  var expected = Array(repeating: 0, count: width * TypeDrift.kindNames.count)
  for piece in 0..<3 {
    let rows = 50 + piece * 17
    var values: [Value] = []
    for _ in 0..<rows {
      for slot in 0..<width {
        let value: Value
        switch slot {
        case 0: value = samples[Int(rng.next() % 7)]  // no JSON
        case 1: value = samples[Int(rng.next() % UInt64(samples.count))]
        case 2: value = samples[7 + Int(rng.next() % 4)]  // JSON only
        default: value = rng.next() % 5 == 0 ? .json("[]") : .int(1)
        }
        values.append(value)
        expected[slot * TypeDrift.kindNames.count + TypeDrift.kind(value)] += 1
      }
    }
    values.withUnsafeBufferPointer { drift.observe($0, rows: rows) }
    #expect(drift.counts == expected)
  }
}

/// Type drift is counted for `--stats`, which reports it, and not otherwise (its counting is
/// work per value): a field that is sometimes a number, sometimes text, drifts only then.
@Test(arguments: [true, false])
func typeDriftIsCountedForStatsOnly(printStats: Bool) throws {
  let lines = (0..<200).map { i in i % 50 == 0 ? #"{"s":"x\#(i)"}"# : #"{"s":\#(i)}"# }
  var options = RunOptions()
  options.printStats = printStats
  let outcome = try QueryHarness.run(
    "SELECT COUNT(*) AS n FROM stdin WHERE s IS NOT NULL",
    chunks: [Array(lines.map { $0 + "\n" }.joined().utf8)], options: options)
  #expect(outcome.output.contains(#""n":200"#))
  #expect(outcome.stats.typeDrift.isEmpty == !printStats)
  if printStats { #expect(outcome.stats.typeDrift.first?.hasPrefix("s:") == true) }
}
