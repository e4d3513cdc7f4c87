import Planner
import Testing

@testable import Executor

// `walkCompact` reads the short numbers of a line from one 8-byte word, and `null` with one
// 4-byte compare; anything those do not settle goes to the longer readers or to `walk`. These
// tests put numbers (well-formed or not) and near-`null`s where the fast paths look at them,
// both wanted and unwanted, in the middle of a line and near its end, and expect the fast
// path to agree with the walk alone (`expectAgreement`, CompactPathTests).

/// Numbers the word-at-a-time reader must handle or hand on: every length around its eight
/// bytes, leading zeros, signs, points and exponents in and out of place.
let numberSamples: [String] = [
  "0", "7", "-0", "-7", "00", "01", "-01", "-", "--1", "+1", "1.", "1.5", "-1.5", "1.50",
  ".5", "0.5", "0.0", "-0.0", "00.5", "1e5", "1E5", "1e", "1.5e3", "1.5E-3", "204", "48.0",
  "124.5", "1234567", "12345678", "123456789", "123456.7", "1234567.8", "1.234567",
  "1.2345678", "0.000001", "999999999999999999", "1000000000000000000", "9223372036854775807",
  "9223372036854775808", "-9223372036854775808", "12345678901234567890", "1.2.3", "1-2", "1x",
  "1.x", "1.e5", "1..5", "0x10", "1_000", "١", "1 ", " 1",
]

/// Deterministic random numbers, mostly well-formed, some broken.
func randomNumbers(count: Int, seed: UInt64) -> [String] {
  var state = seed
  func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z &>> 31)
  }
  let alphabet = Array("0123456789012345678901234567890123456789.-eE+".utf8)
  var out: [String] = []
  for _ in 0..<count {
    let length = 1 + Int(next() % 12)
    var bytes: [UInt8] = []
    if next() % 4 == 0 { bytes.append(UInt8(ascii: "-")) }
    for _ in 0..<length { bytes.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
    out.append(String(decoding: bytes, as: UTF8.self))
  }
  return out
}

/// The lines around `value`: as the first member (eight bytes readable after it), the last
/// (near the end of the line), before a string, and in a nested object.
func numberLines(_ value: String) -> [[UInt8]] {
  [
    #"{"a":\#(value),"padding":"abcdefghijklmnop"}"#,
    #"{"b":1,"a":\#(value)}"#,
    #"{"a":\#(value)}"#,
    #"{"a":\#(value),"b":"x"}"#,
    #"{"c":{"a":\#(value),"b":2},"a":\#(value),"pad":"0123456789"}"#,
  ].map { Array($0.utf8) }
}

@Test func compactNumbersAgreeWithTheWalk() {
  let wanting = FieldExtractor(paths: [[.key("a")], [.key("b")], [.key("c"), .key("a")]])
  let skipping = FieldExtractor(paths: [[.key("b")]])
  let values = numberSamples + randomNumbers(count: 3000, seed: 42)
  var good = 0
  for value in values {
    for line in numberLines(value) {
      if expectAgreement(wanting, line) { good += 1 }
      expectAgreement(skipping, line)
    }
  }
  // The samples are not all rejected: the fast path is exercised.
  #expect(good > 1000)
}

@Test func compactNumbersKeepTheirValues() {
  let extractor = FieldExtractor(paths: [[.key("a")]])
  let cases: [(String, Value)] = [
    ("204", .int(204)), ("-7", .int(-7)), ("-0", .int(0)), ("1234567", .int(1_234_567)),
    ("48.0", .double(48.0)), ("124.5", .double(124.5)), ("-1.5", .double(-1.5)),
    ("0.5", .double(0.5)), ("123456.7", .double(123456.7)), ("1.234567", .double(1.234567)),
  ]
  for (text, value) in cases {
    let line = Array(#"{"a":\#(text),"padding":"abcdefghijklmnop"}"#.utf8)
    #expect(scanCompact(extractor, line) == .success([value]), "\(text)")
  }
  // The sign of zero survives.
  let line = Array(#"{"a":-0.0,"padding":"abcdefghijklmnop"}"#.utf8)
  if case .success(let row) = scanCompact(extractor, line), case .double(let d) = row[0] {
    #expect(d == 0 && d.sign == .minus)
  } else {
    Issue.record("-0.0 not read as a double")
  }
}

@Test func compactNullAgreesWithTheWalk() {
  let wanting = FieldExtractor(paths: [[.key("a")], [.key("b")]])
  let skipping = FieldExtractor(paths: [[.key("b")]])
  let words = ["null", "nul", "nulll", "nullx", "Null", "nUll", "n", "nu", "null0", "none"]
  for word in words {
    let lines = [
      #"{"a":\#(word),"b":1}"#, #"{"b":1,"a":\#(word)}"#, #"{"a":\#(word)}"#,
      #"{"a":1,"a":\#(word),"b":2}"#,
    ]
    for line in lines {
      expectAgreement(wanting, Array(line.utf8))
      expectAgreement(skipping, Array(line.utf8))
    }
  }
  // A duplicate key whose last value is `null` leaves `null`.
  let duplicate = Array(#"{"a":5,"a":null,"b":1}"#.utf8)
  #expect(scanCompact(wanting, duplicate) == .success([.null, .int(1)]))
}

/// `walkCompact` checks once that a line ends with `}` and then reads values with no index
/// check after them: every prefix of good lines (a container closing at the last byte, a
/// value cut short) and each line with bytes after its end must still agree with the walk.
@Test func linesCutShortAgreeWithTheWalk() {
  let wanting = FieldExtractor(paths: [[.key("a")], [.key("d")], [.key("s")], [.key("n")]])
  let skipping = FieldExtractor(paths: [[.key("z")]])
  let lines = [
    #"{"a":1,"d":{"os":"android","version":"14"},"s":"text","n":null,"t":true,"f":false}"#,
    #"{"s":"text","n":null,"a":-12.5,"d":[1,2,{"k":"v"}]}"#,
    #"{"d":{"os":"android","version":"14"}}"#, #"{"d":[[],{}]}"#, #"{"a":1234567}"#,
    #"{"n":null}"#, #"{"t":true}"#, #"{"s":"}"}"#, #"{}"#,
  ]
  for line in lines {
    let bytes = Array(line.utf8)
    #expect(expectAgreement(wanting, bytes))
    for cut in 1..<bytes.count {
      expectAgreement(wanting, Array(bytes[0..<cut]))
      expectAgreement(skipping, Array(bytes[0..<cut]))
      // The same prefix closed by a `}` that does not close the root.
      expectAgreement(wanting, Array(bytes[0..<cut]) + [UInt8(ascii: "}")])
      expectAgreement(skipping, Array(bytes[0..<cut]) + [UInt8(ascii: "}")])
    }
    for extra in ["}", " ", ",", "x", "}}"] {
      expectAgreement(wanting, bytes + Array(extra.utf8))
      expectAgreement(skipping, bytes + Array(extra.utf8))
    }
  }
}
