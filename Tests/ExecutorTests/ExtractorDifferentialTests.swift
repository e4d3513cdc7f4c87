import Planner
import Testing

@testable import Executor

/// A seeded generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A reference JSON parser: recursive, byte by byte, written for obviousness, not speed.
/// Returns the value (containers as their exact text) or nil when the text is not valid JSON.
struct ReferenceParser {
  indirect enum Node: Equatable {
    case scalar(Value)
    case array([Node], text: String)
    case object([(String, Node)], text: String)
    static func == (a: Node, b: Node) -> Bool { a.value == b.value }
    var value: Value {
      switch self {
      case .scalar(let v): return v
      case .array(_, let t), .object(_, let t): return .json(t)
      }
    }
  }
  let b: [UInt8]
  var i = 0

  static func parseObject(_ bytes: [UInt8]) -> Node? {
    guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
    var p = ReferenceParser(b: bytes)
    p.ws()
    guard p.i < bytes.count, bytes[p.i] == UInt8(ascii: "{"), let node = p.value(depth: 0) else {
      return nil
    }
    p.ws()
    return p.i == bytes.count ? node : nil
  }

  mutating func ws() { while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 } }

  mutating func value(depth: Int) -> Node? {
    guard depth < 100, i < b.count else { return nil }
    let start = i
    switch b[i] {
    case UInt8(ascii: "{"):
      i += 1
      ws()
      var members: [(String, Node)] = []
      if i < b.count, b[i] == UInt8(ascii: "}") {
        i += 1
        return .object([], text: text(start))
      }
      while true {
        ws()
        guard i < b.count, b[i] == UInt8(ascii: "\""), let k = string() else { return nil }
        ws()
        guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        ws()
        guard let v = value(depth: depth + 1) else { return nil }
        members.append((k, v))
        ws()
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        if b[i] == UInt8(ascii: "}") {
          i += 1
          return .object(members, text: text(start))
        }
        return nil
      }
    case UInt8(ascii: "["):
      i += 1
      ws()
      var items: [Node] = []
      if i < b.count, b[i] == UInt8(ascii: "]") {
        i += 1
        return .array([], text: text(start))
      }
      while true {
        ws()
        guard let v = value(depth: depth + 1) else { return nil }
        items.append(v)
        ws()
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        if b[i] == UInt8(ascii: "]") {
          i += 1
          return .array(items, text: text(start))
        }
        return nil
      }
    case UInt8(ascii: "\""):
      return string().map { .scalar(.string($0)) }
    default:
      for (word, v) in [("true", Value.bool(true)), ("false", .bool(false)), ("null", .null)]
      where b[i...].starts(with: word.utf8) {
        i += word.utf8.count
        return .scalar(v)
      }
      return number()
    }
  }

  func text(_ start: Int) -> String { String(decoding: b[start..<i], as: UTF8.self) }

  mutating func string() -> String? {
    i += 1
    var units: [UInt16] = []
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\"") {
        i += 1
        return String(decoding: units, as: UTF16.self)
      }
      if c < 0x20 { return nil }
      if c == UInt8(ascii: "\\") {
        guard i + 1 < b.count else { return nil }
        let e = b[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): units.append(UInt16(e))
        case UInt8(ascii: "b"): units.append(8)
        case UInt8(ascii: "f"): units.append(12)
        case UInt8(ascii: "n"): units.append(10)
        case UInt8(ascii: "r"): units.append(13)
        case UInt8(ascii: "t"): units.append(9)
        case UInt8(ascii: "u"):
          guard i + 4 <= b.count,
            let u = UInt16(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16)
          else { return nil }
          units.append(u)
          i += 4
        default: return nil
        }
        continue
      }
      // Copy one UTF-8 scalar (the whole line was validated) as UTF-16.
      var len = 1
      if c >= 0xF0 { len = 4 } else if c >= 0xE0 { len = 3 } else if c >= 0xC0 { len = 2 }
      units += String(decoding: b[i..<i + len], as: UTF8.self).utf16
      i += len
    }
    return nil
  }

  mutating func number() -> Node? {
    let start = i
    if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
    func digits() -> Int {
      var k = 0
      while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
        i += 1
        k += 1
      }
      return k
    }
    guard i < b.count else { return nil }
    if b[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return nil }
    var integral = true
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      integral = false
      guard digits() > 0 else { return nil }
    }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
      i += 1
      integral = false
      if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
      guard digits() > 0 else { return nil }
    }
    let t = text(start)
    if integral, let v = Int64(t) { return .scalar(.int(v)) }
    guard let d = Double(t), d.isFinite else { return nil }
    return .scalar(.double(d))
  }
}

/// Random JSON text with odd strings, numbers, whitespace, duplicate and escaped keys.
struct JSONGenerator {
  var rng: SplitMix64
  let keys = ["a", "b", "device", "os", "k\"q", "é", "x y", ""]
  let pieces = ["a", "Z", " ", "\"", "\\", "\n", "\u{1}", "é", "日本", "😀", "/", "\u{7F}"]
  let numbers = [
    "0", "-0", "7", "-12", "200", "12.5", "-0.0", "1e3", "1.5E-3", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "123456789012345678901", "0.1",
    "3.14159265358979323846",
    "6.02214076e23", "1e-320", "181.57999999999998",
  ]

  mutating func pick(_ a: [String]) -> String { a[Int(rng.next() % UInt64(a.count))] }
  mutating func space() -> String { rng.next() % 4 == 0 ? pick([" ", "  ", "\t", " \r "]) : "" }

  mutating func string() -> String {
    var s = "\""
    for _ in 0..<Int(rng.next() % 6) {
      for scalar in pick(pieces).unicodeScalars {
        switch scalar {
        case "\"": s += "\\\""
        case "\\": s += "\\\\"
        case "\n": s += rng.next() % 2 == 0 ? "\\n" : "\\u000a"
        case "\u{1}": s += "\\u0001"
        case "/": s += rng.next() % 2 == 0 ? "\\/" : "/"
        case "😀": s += rng.next() % 2 == 0 ? "\\ud83d\\ude00" : "😀"
        case "é": s += rng.next() % 2 == 0 ? "\\u00E9" : "é"
        default: s.unicodeScalars.append(scalar)
        }
      }
    }
    return s + "\""
  }

  mutating func value(depth: Int) -> String {
    switch rng.next() % (depth > 3 ? 4 : 6) {
    case 0: return string()
    case 1: return pick(numbers)
    case 2: return pick(["true", "false", "null"])
    case 3: return pick(numbers)
    case 4: return object(depth: depth + 1)
    default:
      let items = (0..<Int(rng.next() % 4)).map { _ in space() + value(depth: depth + 1) + space() }
      return "[" + items.joined(separator: ",") + "]"
    }
  }

  mutating func object(depth: Int) -> String {
    let members = (0..<Int(rng.next() % 6)).map { _ -> String in
      var key = pick(keys)
      key = key == "k\"q" ? "k\\\"q" : key == "é" && rng.next() % 2 == 0 ? "\\u00e9" : key
      return space() + "\"" + key + "\"" + space() + ":" + space() + value(depth: depth) + space()
    }
    return "{" + members.joined(separator: ",") + "}"
  }
}

/// Every path the reference tree has (down to depth 3), plus some that are missing.
func allPaths(
  _ node: ReferenceParser.Node, prefix: FieldPath = [], into paths: inout Set<FieldPath>
) {
  paths.insert(prefix)
  guard prefix.count < 3 else { return }
  switch node {
  case .object(let members, _):
    for (k, v) in members { allPaths(v, prefix: prefix + [.key(k)], into: &paths) }
  case .array(let items, _):
    for (k, v) in items.enumerated() { allPaths(v, prefix: prefix + [.index(k)], into: &paths) }
  case .scalar: paths.insert(prefix + [.key("a")])
  }
  paths.insert(prefix + [.key("missing")])
  paths.insert(prefix + [.index(9)])
}

func lookup(_ node: ReferenceParser.Node, _ path: FieldPath) -> Value {
  guard let step = path.first else { return node.value }
  switch (node, step) {
  case (.object(let members, _), .key(let k)):
    guard let v = members.last(where: { $0.0 == k })?.1 else { return .null }
    return lookup(v, Array(path.dropFirst()))
  case (.array(let items, _), .index(let i)):
    return i < items.count ? lookup(items[i], Array(path.dropFirst())) : .null
  default: return .null
  }
}

@Test func extractorAgreesWithReferenceParser() {
  var gen = JSONGenerator(rng: SplitMix64(state: 7))
  var checkedValues = 0
  for _ in 0..<2000 {
    let line = Array(gen.object(depth: 0).utf8)
    guard let tree = ReferenceParser.parseObject(line) else {
      Issue.record("generator made invalid JSON: \(String(decoding: line, as: UTF8.self))")
      continue
    }
    var set = Set<FieldPath>()
    allPaths(tree, into: &set)
    let paths = Array(set)
    let extractor = FieldExtractor(paths: paths)
    guard case .success(let got) = line.withUnsafeBytes({ extractor.extract($0) }) else {
      Issue.record("rejected valid line \(String(decoding: line, as: UTF8.self))")
      continue
    }
    for (k, path) in paths.enumerated() {
      let want = lookup(tree, path)
      #expect(got[k] == want, "\(path.dottedName) in \(String(decoding: line, as: UTF8.self))")
      checkedValues += 1
    }
  }
  #expect(checkedValues > 10_000)
}

@Test func extractorAcceptsExactlyWhatTheReferenceAccepts() {
  var gen = JSONGenerator(rng: SplitMix64(state: 11))
  var rng = SplitMix64(state: 12)
  let noise: [UInt8] =
    Array("{}[]\",:\\ -0.e+1tfnu".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
  var rejected = 0
  let extractor = FieldExtractor(paths: [[.key("a")], [.key("device"), .key("os")]])
  for _ in 0..<3000 {
    var line = Array(gen.object(depth: 0).utf8)
    // Corrupt one to three bytes: replace, insert or delete.
    for _ in 0...Int(rng.next() % 3) where !line.isEmpty {
      let at = Int(rng.next() % UInt64(line.count))
      switch rng.next() % 3 {
      case 0: line[at] = noise[Int(rng.next() % UInt64(noise.count))]
      case 1: line.insert(noise[Int(rng.next() % UInt64(noise.count))], at: at)
      default: line.remove(at: at)
      }
    }
    let reference = ReferenceParser.parseObject(line) != nil
    let ours = line.withUnsafeBytes { buffer -> Bool in
      if case .success = extractor.extract(buffer) { return true }
      return false
    }
    #expect(ours == reference, "\(String(decoding: line, as: UTF8.self)) \(line)")
    if !reference { rejected += 1 }
  }
  #expect(rejected > 500)
}

/// One extractor reused over many lines, as a scan does, so that its key cache is warm: lines
/// share a key vocabulary in mostly the same order, with optional keys, swaps, keys that are
/// prefixes of each other, long keys, escaped keys and duplicates. Every value must still match.
@Test func extractorWithAWarmKeyCacheAgreesWithReferenceParser() {
  var rng = SplitMix64(state: 11)
  let vocabulary = [
    "ts", "t", "tsx", "user_id", "user", "a_very_long_key_name", "url", "status", "amount", "n",
  ]
  let paths: [FieldPath] = [
    [.key("ts")], [.key("t")], [.key("user_id")], [.key("a_very_long_key_name")], [.key("amount")],
    [.key("dev"), .key("os")], [.key("dev"), .key("v")], [.key("status")],
  ]
  let extractor = FieldExtractor(paths: paths)
  var checked = 0
  for line in 0..<3000 {
    var keys = vocabulary.filter { _ in rng.next() % 5 != 0 }
    if rng.next() % 7 == 0, keys.count > 2 { keys.swapAt(0, Int(rng.next() % UInt64(keys.count))) }
    if rng.next() % 11 == 0 { keys.append(keys.first ?? "n") }  // a duplicate: last wins
    var members = keys.map { key -> String in
      let name = rng.next() % 13 == 0 ? key.replacingOccurrences(of: "_", with: "\\u005f") : key
      return "\"\(name)\":\(rng.next() % 3 == 0 ? "\"v\(line)\"" : String(rng.next() % 1000))"
    }
    if rng.next() % 2 == 0 {
      members.insert(
        "\"dev\":{\"os\":\"o\(line % 4)\",\"v\":\(line)}",
        at: Int(rng.next() % UInt64(members.count + 1)))
    }
    let text = Array(("{" + members.joined(separator: ",") + "}").utf8)
    guard let tree = ReferenceParser.parseObject(text) else {
      Issue.record("invalid test line \(String(decoding: text, as: UTF8.self))")
      continue
    }
    guard case .success(let got) = text.withUnsafeBytes({ extractor.extract($0) }) else {
      Issue.record("rejected \(String(decoding: text, as: UTF8.self))")
      continue
    }
    for (k, path) in paths.enumerated() {
      #expect(
        got[k] == lookup(tree, path),
        "\(path.dottedName) in \(String(decoding: text, as: UTF8.self))")
      checked += 1
    }
  }
  #expect(checked == 3000 * 8)
}
