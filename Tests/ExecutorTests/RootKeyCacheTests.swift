import Planner
import Testing

@testable import Executor

// `RootKeyCache` takes member positions modulo its size, so a line of more members than it has
// entries reuses them from the first; `compactNumber` reads short mantissas with
// `laneDigits`. These tests hold both to what the general path gives.

/// A line of `count` members `"kN":value`, with the keys from `offset` on renamed when
/// `renamed` (so a key cached at a position meets different bytes there on the next line).
private func wideLine(count: Int, offset: Int, renamed: Bool, seed: Int) -> [UInt8] {
  var members: [String] = []
  for k in 0..<count {
    let name = renamed && k >= offset ? "x\(k)" : "k\(k)"
    let value = (k + seed) % 3 == 0 ? "\(k * 7 + seed)" : #""v\#(k)-\#(seed)""#
    members.append(#""\#(name)":\#(value)"#)
  }
  return Array(("{" + members.joined(separator: ",") + "}").utf8)
}

/// Lines of more members than the cache has positions: the keys past the last position land
/// on the entries of the first ones, with other bytes, and must still be read as the walk
/// reads them, line after line in one warm extractor, with members dropped and renamed.
@Test func linesWiderThanTheRootKeyCacheAgreeWithTheWalk() {
  let wanted: [FieldPath] = [[.key("k1")], [.key("k63")], [.key("k64")], [.key("k65")],
    [.key("k130")], [.key("x70")]]
  let extractor = FieldExtractor(paths: wanted)
  var good = 0
  for seed in 0..<40 {
    let count = [63, 64, 65, 66, 100, 140][seed % 6]
    let line = wideLine(count: count, offset: (seed * 11) % count, renamed: seed % 4 == 1,
      seed: seed)
    if expectAgreement(extractor, line) { good += 1 }
    // The same line with one member left out shifts every position after it.
    var members = String(decoding: line.dropFirst().dropLast(), as: UTF8.self)
      .split(separator: ",").map(String.init)
    members.remove(at: (seed * 7) % members.count)
    expectAgreement(extractor, Array(("{" + members.joined(separator: ",") + "}").utf8))
  }
  #expect(good == 40)
  // The values come through, past the wrap.
  let line = wideLine(count: 140, offset: 0, renamed: false, seed: 0)
  let row = try? scanCompact(extractor, line).get()
  #expect(row?[1] == .int(63 * 7))
  #expect(row?[2] == .string("v64-0"))
  #expect(row?[3] == .string("v65-0"))
  #expect(row?[4] == .string("v130-0"))
  #expect(row?[5] == .null)
}

/// `laneDigits` against the digit-by-digit sum it replaces, for every count and digits at
/// every lane, with anything in the lanes past the count.
@Test func laneDigitsIsTheNumberOfTheDigits() {
  var rng = SplitMix64(state: 11)
  for _ in 0..<20_000 {
    let count = Int(rng.next() % 8) + 1
    var word = rng.next()  // junk above the digits
    var expected: UInt64 = 0
    for lane in 0..<count {
      let digit = rng.next() % 10
      word = word & ~(UInt64(0xFF) << UInt64(lane * 8)) | digit << UInt64(lane * 8)
      expected = expected * 10 + digit
    }
    #expect(FieldExtractor.laneDigits(word, count: count) == expected)
  }
  let nines = UInt64(0x0909_0909_0909_0909)
  #expect(FieldExtractor.laneDigits(nines, count: 8) == 99_999_999)
  #expect(FieldExtractor.laneDigits(0, count: 8) == 0)
}
