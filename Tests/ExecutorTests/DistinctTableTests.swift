import Planner
import Testing

@testable import Executor

/// `DistinctTracker`'s table (`DistinctSlots`, packed short strings in the slot, other keys by
/// hash) against a dictionary model: many keys, growth, sweeps, and keys that look alike.
@Suite struct DistinctTableTests {
  /// A seeded generator (the tests must not depend on the run).
  struct Generator {
    var state: UInt64
    mutating func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
  }

  /// A string of `text` in large (heap) storage, though short enough to be a small string.
  static func largeStorage(_ text: String) -> String {
    var s = String()
    s.reserveCapacity(64)
    s.append(text)
    return s
  }

  /// Key `k` of `keyCount` distinct ones, of kinds that must stay apart: short strings (packed
  /// in the slot), the same text in large storage (must find the same entry), long and
  /// non-ASCII strings, JSON text equal to a string's, and numbers.
  static func value(_ k: Int, variant: Int) -> Value {
    switch k % 6 {
    case 0, 1: return .string(variant == 0 ? "u\(k)" : largeStorage("u\(k)"))
    case 2: return .string("a long user identifier number \(k)")
    case 3: return .string("ü\(k)")
    case 4: return .json("u\(k - 4)")
    default: return .int(Int64(k))
    }
  }

  /// Lookups, marks and sweeps give what the model gives, with and without GROUP BY keys.
  @Test(arguments: [(1, 1), (2, 2), (3, 1)] as [(UInt64, Int)])
  func matchesADictionary(seed: UInt64, width: Int) {
    var g = Generator(state: seed)
    var tracker = DistinctTracker(width: width)
    // Model: key → windows counted (only windows at or above `oldestOpen` are asked again).
    var model: [[Value]: Set<Int64>] = [:]
    var oldestOpen: Int64 = 0
    var newest: Int64 = 10
    let keyCount = 30_000
    for step in 0..<120_000 {
      if g.next(50) == 0 { newest += 1 }
      if step % 5_000 == 4_999 {
        oldestOpen = max(oldestOpen, newest - 12)
        tracker.sweep(oldestOpen: oldestOpen)
        for (key, windows) in model where !windows.contains(where: { $0 >= oldestOpen }) {
          model[key] = nil
        }
      }
      let k = g.next(keyCount)
      let value = Self.value(k, variant: g.next(2))
      let group: [Value] = width == 1 ? [] : [.string(k % 3 == 0 ? "US" : "GB")]
      let high = max(oldestOpen, newest - Int64(g.next(3)))
      let low = max(oldestOpen, high - Int64(g.next(6)))
      let fresh: Set<Int64> = group.withUnsafeBufferPointer { key in
        let e = tracker.entry(
          group: key, groupHash: GroupTable.hash(key), value: value, firstWindow: high - 8)
        var fresh = Set<Int64>()
        if let bits = tracker.markRange(e, from: low, through: high, oldestOpen: oldestOpen) {
          for b in 0..<64 where bits & (1 << UInt64(b)) != 0 { fresh.insert(low + Int64(b)) }
        } else {
          for w in low...high
          where tracker.mark(e, window: w, oldestOpen: oldestOpen) {
            fresh.insert(w)
          }
        }
        return fresh
      }
      let key = group + [value]
      let before = model[key, default: []]
      let expected = Set(low...high).subtracting(before)
      #expect(fresh == expected, "step \(step): \(key) in \(low)...\(high)")
      if fresh != expected { return }
      model[key] = before.union(low...high)
    }
    // Every live model key is still an entry, once.
    var entries: [[Value]: Int] = [:]
    for e in 0..<tracker.count {
      entries[Array(tracker.keys[e * width..<(e + 1) * width]), default: 0] += 1
    }
    #expect(entries.values.allSatisfy { $0 == 1 })
    for key in model.keys { #expect(entries[key] == 1, "\(key) lost") }
  }

  /// A packed string gives the hash `ValueHash` gives the string, and the same words in small
  /// and large storage; strings that are not short ASCII are not packed.
  @Test func packingAgreesWithTheHash() {
    for text in ["", "a", "US", "u19023", "abcdefgh", "abcdefghi", "/product/2688", "abcdefghijklmno"] {
      let small = ValueHash.packedASCII(text, smallStrings: SmallASCIIString.isAvailable)
      let large = ValueHash.packedASCII(Self.largeStorage(text), smallStrings: true)
      #expect(small != nil)
      #expect(small.map { [$0.0, $0.1] } == large.map { [$0.0, $0.1] })
      if let small {
        #expect(
          ValueHash.entry(group: 7, packed: small, seed: ValueHash.seed)
            == ValueHash.entry(group: 7, .string(text)))
      }
    }
    for text in ["abcdefghijklmnop", "ü", "a long string of many bytes"] {
      #expect(ValueHash.packedASCII(text, smallStrings: SmallASCIIString.isAvailable) == nil)
    }
  }

  /// `ValueLayout` tells strings from every other case, where its layout check passed.
  @Test func layoutFindsStrings() {
    guard ValueLayout.isAvailable else { return }
    let tag = ValueLayout.stringTagByte
    let values: [Value] = [
      .string("u1"), .string(Self.largeStorage("u1")), .json("u1"), .null, .int(0xE0),
      .double(1), .bool(true), .timestamp(1), .interval(1), .string(String(repeating: "x", count: 40)),
    ]
    for v in values {
      var copy = v
      let isString = withUnsafePointer(to: &copy) { ValueLayout.isString(at: $0, tag: tag) }
      if case .string(let s) = v {
        #expect(isString)
        let words = withUnsafePointer(to: &copy) { ValueLayout.stringWords(at: $0) }
        let bits = unsafeBitCast(s, to: (UInt64, UInt64).self)
        #expect(words.0 == bits.0 && words.1 == bits.1)
      } else {
        #expect(!isString, "\(v)")
      }
    }
  }
}
