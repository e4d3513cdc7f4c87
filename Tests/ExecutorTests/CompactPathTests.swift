import Planner
import Testing

@testable import Executor

// The scan's fast path (`walkCompact`, its caches and vector loops) must agree with the full
// walk on every line: the same values for a good line, the same error for a bad one. These
// tests run one extractor over many lines, as a scan does, so the caches are warm, and compare
// `extract(_:into:)` (fast path first) with `extract(_:)` (the walk alone).

/// The row or the error message, through the fast path.
func scanCompact(_ extractor: FieldExtractor, _ line: [UInt8]) -> Result<[Value], ScanError> {
  var row = [Value](repeating: .null, count: extractor.paths.count)
  let error = line.withUnsafeBytes { bytes in
    row.withUnsafeMutableBufferPointer { extractor.extract(bytes, into: $0.baseAddress!) }
  }
  if let error { return .failure(error) }
  return .success(row)
}

/// The row or the error, through the walk alone.
func scanWalk(_ extractor: FieldExtractor, _ line: [UInt8]) -> Result<[Value], ScanError> {
  line.withUnsafeBytes { extractor.extract($0) }
}

/// Expects both paths to agree on `line`; returns true when it is good.
@discardableResult
func expectAgreement(
  _ extractor: FieldExtractor, _ line: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Bool {
  let fast = scanCompact(extractor, line)
  let slow = scanWalk(extractor, line)
  #expect(
    fast == slow, "\(String(decoding: line, as: UTF8.self)) \(line)",
    sourceLocation: sourceLocation)
  if case .success = slow { return true }
  return false
}

let eventPaths: [FieldPath] = [[.key("user_id")], [.key("url")], [.key("status")], [.key("ts")]]

func eventLine(device: String, user: String = "u1", status: Int = 200) -> [UInt8] {
  Array(
    (#"{"ts":"2026-11-26T08:00:00.318Z","user_id":"\#(user)","url":"/p/1","status":\#(status),"#
      + #""device":\#(device)}"#).utf8)
}

@Test func aRepeatedSkippedObjectIsAcceptedOnlyWhenIdentical() {
  let extractor = FieldExtractor(paths: eventPaths)
  let devices = [
    #"{"os":"android","version":"14"}"#, #"{"os":"android","version":"15"}"#,
    #"{"os":"ios","version":"17.2"}"#, #"{"os":"windows","version":"10"}"#,
    #"["a","b","c","d","e","f","g","h"]"#, #"{"os":"linux","v":[1,2,3],"x":{}}"#,
  ]
  // Warm the cache with every device, twice.
  for round in 0..<2 {
    for (k, device) in devices.enumerated() {
      #expect(expectAgreement(extractor, eventLine(device: device, status: round * 10 + k)))
    }
  }
  let noise: [UInt8] = Array("{}[]\",:\\ 0-1tfnae".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]
  #expect(expectAgreementOnEdits(extractor, of: devices, noise: noise) > 500)
}

/// Every single-byte edit of `original`: each byte replaced by each of `noise` (other than
/// itself), each byte deleted, and the byte `inserted(at)` inserted before each position.
func byteEdits(of original: [UInt8], noise: [UInt8], inserted: (Int) -> UInt8) -> [[UInt8]] {
  var edits: [[UInt8]] = []
  for at in original.indices {
    for byte in noise where byte != original[at] {
      var changed = original
      changed[at] = byte
      edits.append(changed)
    }
    var shorter = original
    shorter.remove(at: at)
    edits.append(shorter)
    var longer = original
    longer.insert(inserted(at), at: at)
    edits.append(longer)
  }
  return edits
}

/// Each byte of each (cached) device changed to each byte of `noise`, removed, and preceded by
/// an extra `}`, in an event line: the walk decides, and a line differing from a cached value is
/// never taken for it; the original is read again after each change (it still hits after a
/// miss). Returns how many of the changed lines were bad.
@discardableResult
func expectAgreementOnEdits(_ extractor: FieldExtractor, of devices: [String], noise: [UInt8])
  -> Int
{
  var bad = 0
  for device in devices {
    let edits = byteEdits(of: Array(device.utf8), noise: noise) { _ in UInt8(ascii: "}") }
    for edit in edits {
      if !expectAgreement(extractor, eventLine(device: String(decoding: edit, as: UTF8.self))) {
        bad += 1
      }
      expectAgreement(extractor, eventLine(device: device))
    }
  }
  return bad
}

@Test func aCachedObjectFollowedByDifferentBytesIsStillChecked() {
  let extractor = FieldExtractor(paths: eventPaths)
  let device = #"{"os":"android","version":"14"}"#
  let good = Array((#"{"a":1,"device":"# + device + #","status":3}"#).utf8)
  #expect(expectAgreement(extractor, good))
  #expect(expectAgreement(extractor, good))
  // The cached object, then something that is not a member separator.
  for tail in [#"}"#, #"}}"#, #" ,"status":3}"#, #","}"#, #",status:3}"#, #"]"#, ""] {
    let line = Array((#"{"a":1,"device":"# + device + tail).utf8)
    expectAgreement(extractor, line)
  }
  // A string holding a closing brace: the first `}` is not the object's end.
  let braced = Array((#"{"device":{"os":"a}b","version":"14"},"status":1}"#).utf8)
  #expect(expectAgreement(extractor, braced))
  #expect(expectAgreement(extractor, braced))
  // A depth limit: the cache belongs to one extractor and its limit.
  let shallow = FieldExtractor(paths: eventPaths, maxDepth: 2)
  let nested = Array((#"{"d":{"a":[[1]],"bbbbbbbbbbbbbbbbbb":2},"status":1}"#).utf8)
  #expect(!expectAgreement(shallow, nested))
  #expect(!expectAgreement(shallow, nested))
}

/// Strings of every length around the 16- and 32-byte blocks, with a quote, backslash escape,
/// control byte, DEL or non-ASCII byte at every offset, as keys and as wanted and skipped values.
@Test func stringsAtBlockBoundaries() {
  let extractor = FieldExtractor(paths: [[.key("s")], [.key("n")], [.key("d"), .key("k")]])
  let specials: [[UInt8]] = [
    Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), [0x01],
    [0x1F], [0x7F], [0xC3, 0xA9], [0xE6, 0x97, 0xA5], [0xFF], [0x22], Array(#"\x"#.utf8),
  ]
  var good = 0
  for length in [0, 1, 7, 8, 9, 14, 15, 16, 17, 30, 31, 32, 33, 47, 48, 49, 64, 65] {
    let plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
    for at in 0...length {
      for special in specials {
        var s = plain
        s.insert(contentsOf: special, at: at)
        // Raw bytes around the string: some specials are not valid UTF-8.
        for (before, after) in [
          (#"{"s":""#, #"","n":1}"#), (#"{"x":""#, #"","n":1}"#), (#"{""#, #"":1,"s":"v"}"#),
          (#"{"d":{"k":""#, #""},"n":2}"#), (#"{"d":{"q":""#, #"","r":1},"n":2}"#),
          (#"{"s":""#, #""}"#),
        ] {
          if expectAgreement(extractor, Array(before.utf8) + s + Array(after.utf8)) { good += 1 }
        }
      }
      // Plain strings, as the lines before and after (the caches warm).
      expectAgreement(extractor, Array(#"{"s":""#.utf8) + plain + Array(#"","n":1}"#.utf8))
    }
  }
  #expect(good > 1000)
}

/// Event-like lines with optional and reordered members, repeated and differing nested objects,
/// and corrupted bytes: the fast path and the walk agree on each, in one warm extractor.
@Test func compactPathAgreesWithTheWalkOnEventStreams() {
  var rng = SplitMix64(state: 3)
  let paths: [FieldPath] = [
    [.key("ts")], [.key("user_id")], [.key("url")], [.key("status")], [.key("amount")],
    [.key("device"), .key("os")], [.key("tags"), .index(1)], [.key("latency_ms")],
  ]
  let extractors = [
    FieldExtractor(paths: paths), FieldExtractor(paths: Array(paths.prefix(4))),
    FieldExtractor(paths: paths, maxDepth: 1, timeSlots: [0]),
  ]
  let devices = [
    #"{"os":"android","version":"14"}"#, #"{"os":"ios","version":"17.2"}"#,
    #"{"os":"windows","version":"10"}"#, #"{"os":"x"}"#, #"[1,2,{"a":[]}]"#,
  ]
  let noise: [UInt8] = Array("{}[]\",:\\ -0.e+1tfnu".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
  var good = 0
  var bad = 0
  for line in 0..<4000 {
    var members = [
      #""ts":"2026-11-26T08:00:0\#(line % 10).\#(100 + line % 900)Z""#,
      #""user_id":"u\#(rng.next() % 100_000)""#,
      #""url":"\#(["/p/1", "/search?q=coffee", "/checkout/52047", "/"][Int(rng.next() % 4)])""#,
      #""status":\#([200, 204, 500, 503][Int(rng.next() % 4)])"#,
      #""amount":\#(["null", "12.5", "0", "-3.25", "1e3", "7"][Int(rng.next() % 6)])"#,
      #""latency_ms":\#(Double(rng.next() % 10_000) / 10)"#,
      #""device":\#(devices[Int(rng.next() % UInt64(devices.count))])"#,
      #""tags":["a","b\#(line % 3)"]"#, #""ok":true"#,
    ]
    members = members.filter { _ in rng.next() % 6 != 0 }
    if rng.next() % 9 == 0, members.count > 1 { members.swapAt(0, members.count - 1) }
    if rng.next() % 13 == 0, let first = members.first { members.append(first) }
    var bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
    if rng.next() % 3 == 0, !bytes.isEmpty {
      let at = Int(rng.next() % UInt64(bytes.count))
      let byte = noise[Int(rng.next() % UInt64(noise.count))]
      switch rng.next() % 3 {
      case 0: bytes[at] = byte
      case 1: bytes.insert(byte, at: at)
      default: bytes.remove(at: at)
      }
    }
    for extractor in extractors {
      if expectAgreement(extractor, bytes) { good += 1 } else { bad += 1 }
    }
  }
  #expect(good > 5000)
  #expect(bad > 1000)
}

/// The event-time fast path reads exactly what `Timestamp.parse` reads: every byte of common
/// timestamps changed to each of a set of bytes, across several dates (the date cache).
@Test func eventTimeParserAgreesWithTimestampParse() {
  var parser = EventTimeParser()
  let samples = [
    "2026-11-26T08:00:00.318Z", "2026-11-26T23:59:59.999Z", "2024-02-29T12:34:56.789Z",
    "1970-01-01T00:00:00.000Z", "2026-11-27T00:00:60.000Z", "2026-12-31T19:07:03.041Z",
  ]
  let bytes: [UInt8] = Array("0123456789-T:.Z+ ".utf8) + [0x00, 0x2F, 0x3A, 0x3F, 0x40, 0x7F, 0xFF]
  var parsed = 0
  for sample in samples {
    let original = Array(sample.utf8)
    for at in original.indices {
      for byte in bytes {
        var text = original
        text[at] = byte
        let want = text.withUnsafeBytes { Timestamp.parse($0) }
        let got = text.withUnsafeBufferPointer { parser.parse($0.baseAddress!, 0, text.count) }
        #expect(got == want, "\(String(decoding: text, as: UTF8.self))")
        if got != nil { parsed += 1 }
        // The unchanged sample between changes: the cached date must not go stale.
        let again = original.withUnsafeBufferPointer { parser.parse($0.baseAddress!, 0, 24) }
        #expect(again == original.withUnsafeBytes { Timestamp.parse($0) })
      }
    }
  }
  #expect(parsed > 500)
}

/// Runs of NUL bytes where a key should start: an unused slot of the top-level key cache must
/// not be taken for a key (it matches sixteen NULs, and the line is still rejected).
@Test func nulBytesWhereAKeyShouldBeAreRejected() {
  let extractor = FieldExtractor(paths: eventPaths)
  let nuls = [UInt8](repeating: 0, count: 20)
  for prefix in [#"{"#, #"{"status":1,"#, #"{"a":1,"b":2,"c":3,"d":4,"#] {
    let line = Array(prefix.utf8) + nuls + Array(#"":1}"#.utf8)
    #expect(!expectAgreement(extractor, line))
    #expect(!expectAgreement(extractor, Array(prefix.utf8) + nuls + Array("}".utf8)))
  }
  #expect(expectAgreement(extractor, eventLine(device: "{}")))
}

/// Nested skipped containers, whose inner brackets close before or after the byte where
/// `RepeatedValueCache` starts looking for the end: remembered or not, a changed byte is never
/// taken for the remembered container.
@Test func nestedSkippedContainersAreAcceptedOnlyWhenIdentical() {
  let extractor = FieldExtractor(paths: eventPaths)
  let devices = [
    #"{"a":{"b":1},"c":[1,2],"d":"xyz"}"#, #"[[1],[2,3],{"k":[4,5,6]},"s"]"#,
    #"{"os":{"name":"ios"},"v":"17"}"#, #"{"x":{"y":{"z":{}}},"w":[[]]}"#,
    #"{"long":"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"}"#,
    // Flat ones of 37 to 64 bytes: each sixteen-byte block of the cached compare is checked.
    #"{"os":"android","version":"14","m":1}"#, #"{"os":"android","version":"14","model":"x1"}"#,
    #"{"os":"android","version":"14","model":"pixel","build":"a1b2c"}"#,
    #"{"os":"android","version":"14","model":"pixel","build":"a1b2c3"}"#,
  ]
  for _ in 0..<2 {
    for device in devices { #expect(expectAgreement(extractor, eventLine(device: device))) }
  }
  let noise: [UInt8] = Array("{}[]\",:\\ 0tn".utf8) + [0x00, 0x1F, 0x80]
  expectAgreementOnEdits(extractor, of: devices, noise: noise)
}

/// The minute cache of `EventTimeParser`: runs of times in one minute, across minutes, hours
/// and days, and out of order, read as `Timestamp.parse` reads them; a fresh parser does not
/// take sixteen NUL bytes for its empty cache.
@Test func eventTimeParserMinuteCacheAgreesWithTimestampParse() {
  var parser = EventTimeParser()
  var texts: [String] = []
  for (day, hour, minute) in [
    ("2026-11-26", "08", "00"), ("2026-11-26", "08", "00"), ("2026-11-26", "08", "01"),
    ("2026-11-26", "09", "01"), ("2026-11-27", "09", "01"), ("2026-11-26", "08", "00"),
    ("2026-11-26", "23", "59"), ("2026-11-27", "00", "00"),
  ] {
    for second in ["00", "07", "59", "60", "61", "99"] {
      for millis in ["000", "318", "999"] {
        texts.append("\(day)T\(hour):\(minute):\(second).\(millis)Z")
      }
    }
  }
  var parsed = 0
  for text in texts {
    let bytes = Array(text.utf8)
    let want = bytes.withUnsafeBytes { Timestamp.parse($0) }
    let got = bytes.withUnsafeBufferPointer { parser.parse($0.baseAddress!, 0, bytes.count) }
    #expect(got == want, "\(text)")
    if got != nil { parsed += 1 }
  }
  // Seconds 61 and 99 are out of range; the rest parse.
  #expect(parsed == texts.count * 4 / 6)
  var fresh = EventTimeParser()
  let nuls = [UInt8](repeating: 0, count: 16) + Array(":00.000Z".utf8)
  let got = nuls.withUnsafeBufferPointer { fresh.parse($0.baseAddress!, 0, 24) }
  #expect(got == nuls.withUnsafeBytes { Timestamp.parse($0) })
}

/// `EventTimeParser.sameMinute`, the cache hit the compact walk tries before `parse`: whenever
/// it answers, it answers what `Timestamp.parse` does, every byte of the second and
/// milliseconds changed to each of a set of bytes, and it answers the times of the cached
/// minute in the common shape that parse.
@Test func eventTimeParserSameMinuteAgreesWithTimestampParse() {
  var parser = EventTimeParser()
  let bytes: [UInt8] = Array("0123456789-T:.Z+ ".utf8) + [0x00, 0x2F, 0x3A, 0x3F, 0x40, 0x7F, 0xFF]
  var answered = 0
  let samples = [
    "2026-11-26T08:00:00.318Z", "2026-11-26T08:00:59.999Z", "2026-11-26T08:01:07.041Z",
  ]
  for sample in samples {
    let original = Array(sample.utf8)
    // Caches the sample's minute.
    _ = original.withUnsafeBufferPointer { parser.parse($0.baseAddress!, 0, 24) }
    for at in original.indices {
      for byte in bytes {
        var text = original
        text[at] = byte
        let want = text.withUnsafeBytes { Timestamp.parse($0) }
        let quick = text.withUnsafeBufferPointer {
          parser.sameMinute($0.baseAddress!, 0, text.count)
        }
        if let quick {
          #expect(quick == want, "\(String(decoding: text, as: UTF8.self))")
          answered += 1
        }
        // A digit of the second or milliseconds changed to another: still the common shape.
        let digit = { (b: UInt8) in b &- 0x30 < 10 }
        if at >= 16 && digit(original[at]) && digit(byte) && want != nil {
          #expect(quick != nil, "\(String(decoding: text, as: UTF8.self))")
        }
        // A shorter or longer string is never answered.
        #expect(text.withUnsafeBufferPointer { parser.sameMinute($0.baseAddress!, 0, 23) } == nil)
      }
    }
  }
  #expect(answered > 100)
  // An empty cache answers nothing, not even for sixteen NUL bytes.
  let fresh = EventTimeParser()
  let nuls = [UInt8](repeating: 0, count: 16) + Array(":00.000Z".utf8)
  #expect(nuls.withUnsafeBufferPointer { fresh.sameMinute($0.baseAddress!, 0, 24) } == nil)
}
