import Planner
import Testing

@testable import Executor

/// Runs `paths` over `line`; the values, or the error.
func scan(_ line: String, _ paths: [FieldPath]) -> Result<[Value], ScanError> {
  let extractor = FieldExtractor(paths: paths)
  return Array(line.utf8).withUnsafeBytes { extractor.extract($0) }
}

func values(_ line: String, _ paths: [FieldPath]) -> [Value]? {
  try? scan(line, paths).get()
}

func error(_ line: String) -> ScanError? {
  if case .failure(let e) = scan(line, [[.key("a")]]) { return e }
  return nil
}

func bytesError(_ bytes: [UInt8]) -> ScanError? {
  let extractor = FieldExtractor(paths: [[.key("a")]])
  if case .failure(let e) = bytes.withUnsafeBytes({ extractor.extract($0) }) { return e }
  return nil
}

let sample =
  #"{"ts":"2026-11-26T08:00:00.123Z","user_id":"u48213","status":200,"amount":12.5,"device":{"os":"ios","version":"17.1"},"tags":["a",{"b":[1,2]}],"ok":true,"no":false,"nil":null}"#

@Test func extractsTopLevelNestedIndexedAndMissing() {
  let v = values(
    sample,
    [
      [.key("user_id")], [.key("status")], [.key("device"), .key("os")],
      [.key("device"), .key("version")],
      [.key("tags"), .index(0)], [.key("tags"), .index(1), .key("b"), .index(1)], [.key("missing")],
      [.key("device"), .key("nope")], [.key("tags"), .index(7)], [.key("status"), .key("x")],
      [.key("user_id"), .index(0)], [.key("device")], [.key("tags")], [],
    ])
  #expect(
    v == [
      .string("u48213"), .int(200), .string("ios"), .string("17.1"), .string("a"), .int(2), .null,
      .null, .null,
      .null, .null, .json(#"{"os":"ios","version":"17.1"}"#), .json(#"["a",{"b":[1,2]}]"#),
      .json(sample),
    ])
}

@Test func everyValueKind() {
  let v = values(
    #" { "s" : "x" , "i" : -42, "d": 1.5, "t": true, "f": false, "n": null, "o": { "k" : [ ] }, "a": [1, "2"] } "#,
    ["s", "i", "d", "t", "f", "n", "o", "a"].map { [.key($0)] })
  #expect(
    v == [
      .string("x"), .int(-42), .double(1.5), .bool(true), .bool(false), .null,
      .json(#"{ "k" : [ ] }"#), .json(#"[1, "2"]"#),
    ])
}

@Test func stringEscapesAndSurrogates() {
  let line =
    #"{"a":"q\"b\\s\/n\nt\tr\rb\bf\fu\u00e9\u65e5","p":"\ud83d\ude00","lone":"x\ud800y","low":"\udc00","hi":"\uD83D\u0041","raw":"é日😀"}"#
  let v = values(
    line, [[.key("a")], [.key("p")], [.key("lone")], [.key("low")], [.key("hi")], [.key("raw")]])
  #expect(
    v == [
      .string("q\"b\\s/n\nt\tr\rb\u{8}f\u{c}ué日"), .string("😀"), .string("x\u{FFFD}y"),
      .string("\u{FFFD}"),
      .string("\u{FFFD}A"), .string("é日😀"),
    ])
  // An escaped key matches its unescaped path.
  #expect(
    values(#"{"k\u0065y":1,"k\"q":2}"#, [[.key("key")], [.key("k\"q")]]) == [.int(1), .int(2)])
}

@Test func numbers() {
  let cases: [(String, Value)] = [
    ("0", .int(0)), ("-0", .int(0)), ("9223372036854775807", .int(.max)),
    ("-9223372036854775808", .int(.min)),
    ("9223372036854775808", .double(9223372036854775808.0)),
    ("-9223372036854775809", .double(-9223372036854775809.0)),
    ("123456789012345678901234567890", .double(1.2345678901234568e29)), ("-0.0", .double(-0.0)),
    ("1.5", .double(1.5)), ("1e3", .double(1000)), ("1E+3", .double(1000)), ("25e-1", .double(2.5)),
    ("0.1", .double(0.1)), ("181.57999999999998", .double(181.57999999999998)),
    ("1e-999", .double(0)),
    ("2.2250738585072014e-308", .double(2.2250738585072014e-308)),
    ("1.7976931348623157e308", .double(.greatestFiniteMagnitude)),
    ("0.000001234", .double(0.000001234)),
    ("3.141592653589793238462643383279", .double(3.141592653589793)),
    ("9007199254740993.0", .double(9007199254740992.0)), ("123456.789e3", .double(123_456_789)),
  ]
  for (text, expected) in cases {
    let v = values("{\"a\":\(text)}", [[.key("a")]])
    #expect(v == [expected], "\(text)")
    if case .double(let d) = expected, d == 0 {
      if case .double(let got)? = v?.first { #expect(got.sign == d.sign, "\(text)") }
    }
  }
  // Beyond Double's range: the line is bad, wanted or not.
  #expect(error(#"{"a":1e999}"#)?.message.hasPrefix("number out of range") == true)
  #expect(error(#"{"b":-1e400}"#) != nil)
  #expect(error(#"{"b":1e308}"#) == nil)
}

@Test func rejectsInvalidJSON() {
  let bad = [
    "", "   ", "{", #"{"a""#, #"{"a":"#, #"{"a":1"#, #"{"a":1,}"#, #"{"a":1}}"#, #"{"a":1} x"#,
    #"{"a":1}{}"#,
    "{a:1}", #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":falsey}"#, #"{"a":True}"#, "hello", #"{"a":01}"#,
    #"{"a":1.}"#,
    #"{"a":.5}"#, #"{"a":-}"#, #"{"a":1e}"#, #"{"a":+1}"#, #"{"a":0x10}"#, #"{"a":"x\q"}"#,
    #"{"a":"\u12G4"}"#,
    #"{"a":"unterminated}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, #"{"a":[1,]}"#, #"{"a":[1}"#,
    #"{"a":{]}"#,
    #"{'a':1}"#, #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{,}"#, #"{"a":1,,"b":2}"#,
  ]
  for line in bad { #expect(error(line) != nil, "\(line)") }
  #expect(error(#"{"a":1 }"#) == nil)
  #expect(error(#"{"a": 1}}"#)?.message == "not valid JSON (unexpected '}' at byte 9)")
  #expect(error(#"{"a": 1}}"#)?.offset == 8)
}

@Test func rejectsNonObjectsAndBadBytes() {
  #expect(error("[1,2]")?.message == "not a JSON object (found an array)")
  #expect(error("\"s\"")?.message == "not a JSON object (found a string)")
  #expect(error("42")?.message == "not a JSON object (found a number)")
  #expect(error("true")?.message == "not a JSON object (found a boolean)")
  #expect(error("null")?.message == "not a JSON object (found null)")
  #expect(error("[1,")?.message.hasPrefix("not valid JSON") == true)
  // Invalid UTF-8: a stray continuation, an overlong form, a surrogate, a truncated sequence.
  for bytes: [UInt8] in [
    [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE6, 0x97], [0xF5, 0x80, 0x80, 0x80], [0xFF],
  ] {
    let line = Array(#"{"a":"x"#.utf8) + bytes + Array(#"y"}"#.utf8)
    #expect(bytesError(line)?.message.hasPrefix("invalid UTF-8") == true, "\(bytes)")
  }
  #expect(bytesError(Array(#"{"a":"x"#.utf8) + [0] + Array(#""}"#.utf8)) != nil)
  #expect(bytesError(Array(#"{"a":1}"#.utf8) + [0]) != nil)
  #expect(bytesError(Array(#"{"a":"\#t"}"#.utf8)) != nil)
  #expect(bytesError([0xC3, 0xA9]) != nil)
}

@Test func deepNestingIsAnErrorNotACrash() {
  let deep = String(repeating: "[", count: 100_000)
  #expect(error(deep) != nil)
  #expect(
    error("{\"a\":" + deep + String(repeating: "]", count: 100_000) + "}")?.message.hasPrefix(
      "nesting too deep") == true)
  let ok = "{\"a\":" + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "}"
  #expect(error(ok) == nil)
}

@Test func duplicateKeysLastWins() {
  #expect(values(#"{"a":1,"a":2}"#, [[.key("a")]]) == [.int(2)])
  #expect(values(#"{"a":{"b":1},"a":2}"#, [[.key("a"), .key("b")]]) == [.null])
  #expect(
    values(#"{"a":{"b":1},"a":{"c":3}}"#, [[.key("a"), .key("b")], [.key("a"), .key("c")]]) == [
      .null, .int(3),
    ])
  #expect(values(#"{"a":1,"a":null}"#, [[.key("a")]]) == [.null])
}

@Test func samePathTwiceAndPrefixPaths() {
  #expect(
    values(#"{"d":{"os":"x"}}"#, [[.key("d"), .key("os")], [.key("d")], [.key("d"), .key("os")]])
      == [.string("x"), .json(#"{"os":"x"}"#), .string("x")])
}

@Test func textHelpers() {
  #expect(FieldExtractor.parseValue(" 12 ") == .int(12))
  #expect(FieldExtractor.parseValue(#""a\nb""#) == .string("a\nb"))
  #expect(FieldExtractor.parseValue("[1, 2]") == .json("[1, 2]"))
  #expect(FieldExtractor.parseValue("[1, 2") == nil)
  #expect(FieldExtractor.parseValue("") == nil)
  #expect(
    FieldExtractor.extract(path: [.index(1), .key("x")], fromJSON: #"[0, {"x": true}]"#)
      == .bool(true))
  #expect(FieldExtractor.extract(path: [.key("y")], fromJSON: #"{"x": 1}"#) == .null)
  #expect(FieldExtractor.extract(path: [.key("y")], fromJSON: #"{"x": }"#) == nil)
  let members = FieldExtractor.members(ofObject: #" {"a": 1, "b": {"c": [2]}, "s": "t", "a": 3} "#)
  #expect(members?.map(\.key) == ["a", "b", "s"])
  #expect(members?.map(\.value) == [.int(3), .json(#"{"c": [2]}"#), .string("t")])
  #expect(FieldExtractor.members(ofObject: "{}")?.isEmpty == true)
  #expect(FieldExtractor.members(ofObject: "[1]") == nil)
}
