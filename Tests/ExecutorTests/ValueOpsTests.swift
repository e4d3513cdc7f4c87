import Planner
import SQLParser
import Testing

@testable import Executor

@Suite struct ValueOpsTests {
  let t0 = Timestamp.parse("2026-11-26T08:00:00Z")!

  @Test func integerArithmetic() {
    #expect(ValueOps.arithmetic(.add, .int(2), .int(3)) == .int(5))
    #expect(ValueOps.arithmetic(.subtract, .int(2), .int(3)) == .int(-1))
    #expect(ValueOps.arithmetic(.multiply, .int(4), .int(3)) == .int(12))
    #expect(ValueOps.arithmetic(.divide, .int(7), .int(2)) == .double(3.5))
    #expect(ValueOps.arithmetic(.modulo, .int(-7), .int(3)) == .int(-1))
    #expect(ValueOps.arithmetic(.modulo, .int(Int64.min), .int(-1)) == .int(0))
  }

  @Test func overflowPromotesToDouble() {
    #expect(ValueOps.arithmetic(.add, .int(Int64.max), .int(1)) == .double(Double(Int64.max) + 1))
    #expect(
      ValueOps.arithmetic(.multiply, .int(Int64.max), .int(2)) == .double(Double(Int64.max) * 2))
    #expect(ValueOps.negate(.int(Int64.min)) == .double(9_223_372_036_854_775_808.0))
  }

  @Test func divisionByZeroIsNull() {
    #expect(ValueOps.arithmetic(.divide, .int(1), .int(0)) == .null)
    #expect(ValueOps.arithmetic(.divide, .double(1), .double(0)) == .null)
    #expect(ValueOps.arithmetic(.modulo, .int(1), .int(0)) == .null)
  }

  @Test func mixedAndNonNumbers() {
    #expect(ValueOps.arithmetic(.add, .int(1), .double(0.5)) == .double(1.5))
    #expect(ValueOps.arithmetic(.add, .string("3"), .int(1)) == .null)
    #expect(ValueOps.arithmetic(.add, .null, .int(1)) == .null)
    #expect(ValueOps.arithmetic(.add, .bool(true), .int(1)) == .null)
    #expect(ValueOps.arithmetic(.modulo, .double(7.5), .int(2)) == .double(1.5))
  }

  @Test func timestampAndIntervalArithmetic() {
    let five = Value.interval(5 * 60_000)
    #expect(ValueOps.arithmetic(.add, .timestamp(t0), five) == .timestamp(t0 + 300_000))
    #expect(ValueOps.arithmetic(.add, five, .timestamp(t0)) == .timestamp(t0 + 300_000))
    #expect(ValueOps.arithmetic(.subtract, .timestamp(t0), five) == .timestamp(t0 - 300_000))
    #expect(
      ValueOps.arithmetic(.subtract, .timestamp(t0 + 1000), .timestamp(t0)) == .interval(1000))
    #expect(ValueOps.arithmetic(.add, .timestamp(t0), .timestamp(t0)) == .null)
    #expect(ValueOps.arithmetic(.multiply, five, .int(2)) == .interval(600_000))
    #expect(ValueOps.arithmetic(.divide, five, .int(0)) == .null)
    #expect(ValueOps.arithmetic(.add, .timestamp(Int64.max), five) == .null)
  }

  @Test func concatOperator() {
    #expect(ValueOps.concat(.string("n="), .int(5)) == .string("n=5"))
    #expect(ValueOps.concat(.string("a"), .null) == .null)
    #expect(ValueOps.binary(.concat, .string("x"), .double(1.5)) == .string("x1.5"))
  }

  @Test func compareAcrossNumbers() {
    #expect(ValueOps.compare(.int(1), .double(1.0)) == 0)
    #expect(ValueOps.compare(.int(1), .double(1.5)) == -1)
    #expect(ValueOps.compare(.double(-0.5), .int(0)) == -1)
    #expect(ValueOps.compare(.int(9_007_199_254_740_993), .double(9_007_199_254_740_992)) == 1)
    #expect(ValueOps.compare(.int(Int64.max), .double(9.3e18)) == -1)
    #expect(ValueOps.compare(.double(.nan), .int(5)) == 1)
    #expect(ValueOps.compare(.double(.nan), .double(.nan)) == 0)
  }

  @Test func compareStringsBoolsTimestamps() {
    #expect(ValueOps.compare(.string("a"), .string("b")) == -1)
    #expect(ValueOps.compare(.string("Z"), .string("a")) == -1)
    #expect(ValueOps.compare(.string("é"), .string("e\u{301}")) == 1)  // bytes, not canonical equivalence
    #expect(ValueOps.compare(.bool(false), .bool(true)) == -1)
    #expect(ValueOps.compare(.timestamp(t0), .string("2026-11-26T08:00:00Z")) == 0)
    #expect(ValueOps.compare(.string("2026-11-26T09:00:00+01:00"), .timestamp(t0)) == 0)
    #expect(ValueOps.compare(.timestamp(t0), .string("not a time")) == nil)
  }

  @Test func incomparableIsNull() {
    #expect(ValueOps.compare(.string("1"), .int(1)) == nil)
    #expect(ValueOps.binary(.less, .string("a"), .int(1)) == .null)
    #expect(ValueOps.equals(.null, .null) == nil)
    #expect(ValueOps.equals(.int(2), .double(2)) == true)
  }

  @Test func threeValuedLogic() {
    #expect(ValueOps.binary(.and, .bool(false), .null) == .bool(false))
    #expect(ValueOps.binary(.and, .bool(true), .null) == .null)
    #expect(ValueOps.binary(.or, .bool(true), .null) == .bool(true))
    #expect(ValueOps.binary(.or, .bool(false), .null) == .null)
    #expect(ValueOps.not(.null) == .null)
    #expect(ValueOps.not(.bool(true)) == .bool(false))
    #expect(ValueOps.truthiness(.int(1)) == nil)
    #expect(ValueOps.truthiness(.bool(true)) == true)
  }

  @Test func totalOrder() {
    let values: [Value] = [
      .json("{}"), .string("b"), .timestamp(0), .double(.nan), .int(3), .double(2.5), .null,
      .bool(true),
      .string("a"), .bool(false), .interval(1),
    ]
    let sorted = values.sorted(by: ValueOps.sqlTotalOrder)
    #expect(sorted[0] == .null)
    #expect(sorted[3] == .double(2.5))
    #expect(sorted[4] == .int(3))
    #expect(sorted[6] == .string("a"))
    #expect(sorted[5].numeric?.isNaN == true)
    #expect(sorted[8] == .timestamp(0) && sorted[9] == .interval(1) && sorted[10] == .json("{}"))
    #expect(!ValueOps.sqlTotalOrder(.null, .null))
  }

  @Test func castsThatSucceed() {
    #expect(ValueOps.cast(.string(" 42 "), to: .bigint) == .int(42))
    #expect(ValueOps.cast(.string("-7"), to: .bigint) == .int(-7))
    #expect(ValueOps.cast(.double(2.5), to: .bigint) == .int(3))
    #expect(ValueOps.cast(.double(-2.5), to: .bigint) == .int(-3))
    #expect(ValueOps.cast(.string("1e3"), to: .double) == .double(1000))
    #expect(ValueOps.cast(.int(3), to: .double) == .double(3))
    #expect(ValueOps.cast(.double(3), to: .varchar) == .string("3.0"))
    #expect(ValueOps.cast(.double(0.1), to: .varchar) == .string("0.1"))
    #expect(ValueOps.cast(.timestamp(t0), to: .varchar) == .string("2026-11-26T08:00:00.000Z"))
    #expect(ValueOps.cast(.bool(true), to: .varchar) == .string("true"))
    #expect(ValueOps.cast(.string("2026-11-26 08:00:00"), to: .timestamp) == .timestamp(t0))
    #expect(ValueOps.cast(.int(1_700_000_000), to: .timestamp) == .timestamp(1_700_000_000_000))
    #expect(ValueOps.cast(.int(1_700_000_000_123), to: .timestamp) == .timestamp(1_700_000_000_123))
    #expect(ValueOps.cast(.string("T"), to: .boolean) == .bool(true))
    #expect(ValueOps.cast(.string("0"), to: .boolean) == .bool(false))
    #expect(ValueOps.cast(.int(2), to: .boolean) == .bool(true))
    #expect(ValueOps.cast(.string(" {\"a\": 1} "), to: .json) == .json("{\"a\": 1}"))
    #expect(ValueOps.cast(.string("5 minutes"), to: .interval) == .interval(300_000))
    #expect(ValueOps.cast(.string("1 hour 30 min"), to: .interval) == .interval(5_400_000))
    #expect(ValueOps.cast(.string("01:30:00"), to: .interval) == .interval(5_400_000))
    #expect(ValueOps.cast(.interval(5_400_500), to: .varchar) == .string("01:30:00.500"))
    #expect(ValueOps.cast(.null, to: .bigint) == .null)
  }

  @Test func castsThatFail() {
    #expect(ValueOps.cast(.string("1.5"), to: .bigint) == nil)
    #expect(ValueOps.cast(.string("abc"), to: .bigint) == nil)
    #expect(ValueOps.cast(.string("99999999999999999999"), to: .bigint) == nil)
    #expect(ValueOps.cast(.double(1e19), to: .bigint) == nil)
    #expect(ValueOps.cast(.double(.nan), to: .bigint) == nil)
    #expect(ValueOps.cast(.string("0x10"), to: .double) == nil)
    #expect(ValueOps.cast(.string("yes please"), to: .boolean) == nil)
    #expect(ValueOps.cast(.string("yesterday"), to: .timestamp) == nil)
    #expect(ValueOps.cast(.string("[1, 2"), to: .json) == nil)
    #expect(ValueOps.cast(.string("5"), to: .json) == nil)
    #expect(ValueOps.cast(.timestamp(0), to: .bigint) == nil)
    #expect(ValueOps.cast(.string("5 parsecs"), to: .interval) == nil)
  }
}
