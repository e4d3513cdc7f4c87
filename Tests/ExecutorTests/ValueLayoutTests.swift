import Planner
import Testing

@testable import Executor

/// `ValueLayout.holdsNothing` lets `ScannedValues` free a piece's values without destroying
/// each one: it must answer true only for values that hold no object (numbers, NULL, small
/// strings), or a long string would leak; false for every string whose bytes live elsewhere.
@Suite struct ValueLayoutTests {
  static let long = String(repeating: "a string on the heap ", count: 3)

  static func holdsNothing(_ value: Value) -> Bool {
    withUnsafePointer(to: value) {
      ValueLayout.holdsNothing(
        at: $0, stringTag: ValueLayout.stringTagByte, jsonTag: ValueLayout.jsonTagByte)
    }
  }

  @Test func onlyObjectFreeValuesHoldNothing() throws {
    try #require(ValueLayout.knowsPlainValues)
    let plain: [Value] = [
      .null, .bool(true), .int(-1), .int(.max), .double(.nan), .timestamp(0), .interval(-5),
      .string(""), .string("US"), .string("abcdefghijklmno"), .string("ünï"), .json("[1,2]"),
    ]
    for v in plain { #expect(Self.holdsNothing(v), "\(v)") }
    let heap: [Value] = [
      .string(Self.long), .string(String(Self.long.dropFirst(2))),
      .string(String(decoding: Array(Self.long.utf8), as: UTF8.self)),
      .string("abcdefghijklmnop"), .string("ünïcödé, sixteen+"), .json(Self.long),
    ]
    for v in heap { #expect(!Self.holdsNothing(v), "\(v)") }
  }

  /// Freed values become NULL, and storage reused from the pool reads as NULL, whatever the
  /// values held.
  @Test func freedValuesAreNull() {
    let values = ScannedValues(minimumCapacity: 64)
    let mixed: [Value] = [
      .string(Self.long), .string("US"), .json(Self.long), .json("{}"), .int(3), .double(1.5),
    ]
    for _ in 0..<10 {
      let row = values.appendNullRow(width: mixed.count)
      for (k, v) in mixed.enumerated() { row[k] = v }
    }
    #expect(Array(values.buffer[0..<mixed.count]) == mixed)
    let n = values.count
    values.removeAll()
    let again = values.appendNullRow(width: n)
    #expect((0..<n).allSatisfy { again[$0].isNull })
  }
}
