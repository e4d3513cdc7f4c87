import Planner
import Testing

@testable import Executor

/// `WindowNumbers` caches divisions; its answers must be `Timestamp.floorDiv`'s for any order
/// of times and watermarks, negative ones and sizes that are not a multiple of the advance
/// included.
@Suite struct WindowNumbersTests {
  @Test(arguments: [(120_000, 10_000), (60_000, 60_000), (25_000, 10_000), (7, 3), (5, 10)]
    as [(Int64, Int64)])
  func matchesFloorDiv(size: Int64, advance: Int64) {
    var numbers = WindowNumbers(size: size, advance: advance)
    var state: UInt64 = 11
    var t: Int64 = -3 * advance
    for _ in 0..<5_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let r = Int64(state >> 40)
      // Mostly small steps forward, some back, some far jumps either way.
      switch r % 10 {
      case 0: t -= r % (4 * advance + 1)
      case 1: t = r % 2 == 0 ? t + 1_000_000 : -t
      default: t += r % (advance / 2 + 1)
      }
      #expect(numbers.number(of: t) == Timestamp.floorDiv(t, advance))
      #expect(
        numbers.oldestOpen(t) == Timestamp.floorDiv(t - size, advance) + 1)
      let high = Timestamp.floorDiv(t, advance)
      #expect(
        high + numbers.firstOffset == Timestamp.floorDiv(high * advance - size, advance) + 1)
    }
    #expect(numbers.oldestOpen(Int64.min) == Int64.min)
  }
}
