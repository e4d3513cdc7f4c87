import Planner
import Testing

@testable import Executor

// `compactObject` reads a line's first member apart (`leadingTime`) when it is the event time
// in the minute read last, followed by a comma, with no search for its closing quote. These
// tests hold that shortcut to the walk: the same rows and errors on lines that take it, and
// on every edit of such a line that must not.

/// Paths of an event-time scan: `ts` read as event time (slot 0), two more members.
private let leadPaths: [FieldPath] = [[.key("ts")], [.key("user_id")], [.key("status")]]

private func leadLine(_ ts: String, rest: String = #""user_id":"u42","status":200"#) -> [UInt8] {
  Array(#"{"ts":"\#(ts)",\#(rest)}"#.utf8)
}

/// True when `leadingTime` takes `line` (stores its time and returns past the comma).
private func takesShortcut(_ extractor: FieldExtractor, _ line: [UInt8]) -> Bool {
  var row = [Value](repeating: .null, count: extractor.paths.count)
  let next = line.withUnsafeBufferPointer { bytes in
    row.withUnsafeMutableBufferPointer {
      extractor.leadingTime(bytes.baseAddress!, bytes.count, into: $0.baseAddress!)
    }
  }
  return next > 1
}

/// A warm extractor takes the shortcut on lines of the cached minute, and stores what the
/// walk stores.
@Test func aLeadingTimeInTheCachedMinuteTakesTheShortcut() {
  let extractor = FieldExtractor(paths: leadPaths, maxDepth: 64, timeSlots: [0])
  #expect(extractor.rootTimeNode > 0)
  #expect(expectAgreement(extractor, leadLine("2026-11-26T08:00:00.318Z")))
  for second in ["00.319", "07.000", "59.999", "60.000"] {
    let line = leadLine("2026-11-26T08:00:\(second)Z")
    #expect(takesShortcut(extractor, line))
    #expect(expectAgreement(extractor, line))
  }
  // Another minute: the loop reads it, and caches that minute for the next line.
  let next = leadLine("2026-11-26T08:01:00.000Z")
  #expect(!takesShortcut(extractor, next))
  #expect(expectAgreement(extractor, next))
  #expect(takesShortcut(extractor, leadLine("2026-11-26T08:01:30.500Z")))
  let row = try? scanCompact(extractor, leadLine("2026-11-26T08:01:30.500Z")).get()
  let ms = Array("2026-11-26T08:01:30.500Z".utf8).withUnsafeBytes { Timestamp.parse($0) }
  #expect(ms != nil && row?[0] == .timestamp(ms!))
  #expect(row?[1] == .string("u42"))
  #expect(row?[2] == .int(200))
}

/// Every byte of a line that takes the shortcut, changed to each of a set of bytes, dropped,
/// or doubled: the fast path and the walk agree, with the cache warmed again before each.
@Test func editedLeadingTimesAgreeWithTheWalk() {
  // With whether each takes the shortcut: not for a time wanted in two slots.
  let extractors = [
    (FieldExtractor(paths: leadPaths, maxDepth: 64, timeSlots: [0]), true),
    // The line as a whole wanted too.
    (FieldExtractor(paths: leadPaths + [[]], maxDepth: 64, timeSlots: [0]), true),
    (FieldExtractor(paths: leadPaths + [[.key("ts")]], maxDepth: 64, timeSlots: [0, 3]), false),
  ]
  let original = leadLine("2026-11-26T08:00:05.125Z")
  let noise: [UInt8] = Array("0259:.TZ\"\\,}{ -ts".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xFF]
  var edits = byteEdits(of: original, noise: noise) { original[$0] }
  // Lines that start the same and go on differently: only member, duplicate time later,
  // nothing after the comma, another first member.
  edits += [
    Array(#"{"ts":"2026-11-26T08:00:05.125Z"}"#.utf8),
    leadLine("2026-11-26T08:00:05.125Z", rest: #""ts":"2026-11-26T08:00:06.000Z""#),
    leadLine("2026-11-26T08:00:05.125Z", rest: #""ts":"not a time","status":1"#),
    leadLine("2026-11-26T08:00:05.125Z", rest: #""ts":null"#),
    leadLine("2026-11-26T08:00:05.125Z", rest: ""),
    Array(#"{"ts":"2026-11-26T08:00:05.125Z","#.utf8),
    Array(#"{"status":1,"ts":"2026-11-26T08:00:05.125Z"}"#.utf8),
  ]
  for (extractor, shortcut) in extractors {
    var taken = 0
    for edit in edits {
      #expect(expectAgreement(extractor, original))
      if takesShortcut(extractor, edit) { taken += 1 }
      expectAgreement(extractor, edit)
    }
    // Edits of the milliseconds, the user and the status keep the shortcut; it is exercised.
    #expect(shortcut ? taken > 50 : taken == 0)
  }
}

/// Lines that take the shortcut, in one piece read by `compactObject` bounded by the end of
/// the piece (as `ScanJob` reads it): each line's row is the walk's.
@Test func leadingTimesInAPieceAgreeWithTheWalk() {
  let extractor = FieldExtractor(paths: leadPaths, maxDepth: 64, timeSlots: [0])
  var lines: [[UInt8]] = []
  for k in 0..<200 {
    let minute = k / 50
    let ts = "2026-11-26T08:0\(minute):\(10 + k % 50).\(100 + k)Z"
    lines.append(leadLine(ts, rest: #""user_id":"u\#(k)","status":\#(200 + k % 7)"#))
  }
  let piece: [UInt8] = lines.flatMap { $0 + [UInt8(0x0A)] }
  var start = 0
  for line in lines {
    var fast = [Value](repeating: .null, count: leadPaths.count)
    let end = piece.withUnsafeBufferPointer { bytes in
      fast.withUnsafeMutableBufferPointer {
        extractor.compactObject(
          bytes.baseAddress! + start, bytes.count - start, into: $0.baseAddress!)
      }
    }
    #expect(end == line.count)
    #expect(scanWalk(extractor, line) == .success(fast))
    start += line.count + 1
  }
}
