import Planner
import SQLParser
import Testing

@testable import Executor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fused framing of `ScanJob` against the newline search, piece by piece.
///
/// `ScanJob` finds the end of a compact line from the walk of its object (`compactObject`
/// bounded by the end of the piece) instead of searching for the newline first. Every piece
/// must give what the search gives: the same line count, rows, values, raw lines, and bad lines
/// with the same numbers and messages; and the walk must never read past the piece.
@Suite struct FusedFramingTests {
  static let limit = 24

  /// `SELECT a, b` over `bytes` as one piece, with or without the fused framing.
  static func scan(_ bytes: InputBytes, fused: Bool) throws -> ScanJob {
    var planner = ScriptPlanner()
    _ = try planner.add(script: try Parser.parseScript("SELECT a, b FROM stdin"))
    let plan = planner.plan
    let spec = ScanSpec(plan: plan.sources[0], maxLineBytes: limit, keepsRaw: true)
    spec.fusesLines = fused
    spec.add(plan.queries[0])
    let job = ScanJob(spec: spec, input: 0, kind: .lines(bytes))
    job.start(on: nil)
    job.wait()
    return job
  }

  /// Expects the fused and the searched framing of `piece` to agree in everything they report.
  static func expectAgreement(
    _ piece: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let fused = try scan(InputBytes.copying(piece), fused: true)
    let searched = try scan(InputBytes.copying(piece), fused: false)
    let text = String(decoding: piece, as: UTF8.self).debugDescription
    #expect(fused.lineCount == searched.lineCount, "\(text)", sourceLocation: sourceLocation)
    #expect(fused.rowLines == searched.rowLines, "\(text)", sourceLocation: sourceLocation)
    #expect(
      fused.badLines.map(\.line) == searched.badLines.map(\.line), "\(text)",
      sourceLocation: sourceLocation)
    #expect(
      fused.badLines.map(\.message) == searched.badLines.map(\.message), "\(text)",
      sourceLocation: sourceLocation)
    #expect(
      fused.badLines.map(\.raw) == searched.badLines.map(\.raw), "\(text)",
      sourceLocation: sourceLocation)
    for i in 0..<searched.rowCount {
      #expect(
        fused.rawLine(i).map(Array.init) == searched.rawLine(i).map(Array.init), "\(text)",
        sourceLocation: sourceLocation)
    }
    #expect(
      fused.prepared.map(\.keptRows) == searched.prepared.map(\.keptRows), "\(text)",
      sourceLocation: sourceLocation)
    #expect(
      fused.prepared.map(\.offsets) == searched.prepared.map(\.offsets), "\(text)",
      sourceLocation: sourceLocation)
  }

  /// Lines the fused framing must hand back to the search, or take as the search would.
  static let tricky: [String] = [
    // CRLF, and what is not quite CRLF after the `}`.
    "{\"a\":1}\r\n{\"a\":2}\n",
    "{\"a\":1}\r\r\n{\"a\":2}\r\n",
    "{\"a\":1}\r{\"a\":2}\n",
    "{\"a\":1}\r",
    "{\"a\":1}\r\n",
    // Garbage after the `}`, then a newline.
    "{\"a\":1}x\n{\"a\":2}\n",
    "{\"a\":1}}\n{\"a\":2}\n",
    "{\"a\":1} \n{\"a\":2}\t\n",
    "{\"a\":1}{\"a\":2}\n",
    "{\"a\":1},\n",
    // At the limit (24 bytes) and one over, with LF, CRLF and at the end of the piece.
    "{\"a\":\"0123456789abcdef\"}\n{\"a\":\"0123456789abcdefg\"}\n",
    "{\"a\":\"0123456789abcdef\"}\r\n{\"a\":\"0123456789abcdefg\"}\r\n",
    "{\"a\":1}\n{\"a\":\"0123456789abcdef\"}",
    "{\"a\":1}\n{\"a\":\"0123456789abcdefg\"}",
    "{\"a\":\"0123456789abcdef\"}x\n",
    "{\"a\":\"0123456789abcdefghijklmnopqrstuvwxyz\"}\n{\"a\":3}\n",
    // The last line without a newline, ending in `}` or not.
    "{\"a\":1}\n{\"a\":2}",
    "{\"a\":1}\n{\"a\":\"}",
    "{\"a\":1}\n{\"a\":\"x}",
    "{\"a\":1}\n{\"a\":{\"b\":1}",
    "{\"a\":1}\n{\"a\":[1,2]}}",
    "{\"a\":1}\n{\"a\":1",
    "{\"a\":1}\n{\"a\":null",
    "{\"a\":1}\n{\"a\":nul}",
    "{\"a\":1}\n{\"a\":",
    "{\"a\":1}\n{\"a\"",
    "{\"a\":1}\n{",
    "{\"a\":1}\n}",
    "{}",
    "{",
    // Strings holding `}`, escapes, a raw newline, non-ASCII.
    "{\"a\":\"}\"}\n{\"a\":\"}}\",\"b\":\"{\"}\n",
    "{\"a\":\"\\\"}\"}\n{\"a\":\"\\\\\"}\n{\"a\":\"\\u007d\"}\n",
    "{\"a\":\"x}\n\"}\n",
    "{\"a\":\"é}\"}\n",
    // Bad lines of every kind, blank and whitespace-only lines.
    "{bad}\n{\"a\":1,}\n{\"a\":01}\n{\"a\":1.}\n{\"a\" :1}\n{\"a\":[1,2}\n{\"a\":{\"b\":1}\n",
    "{\n}\n{}\n{\"a\":{}}\n{\"a\":[]}\n[1]\n\"x\"\n",
    "\n\n\r\n  \t\n{\"a\":1}\n \n",
    " {\"a\":1}\n{\"a\":1} \n",
    // Values of every kind, nested, ending at the line's end.
    "{\"a\":[1,{\"x\":\"}\"}],\"b\":{\"c\":[]}}\n",
    "{\"a\":12345678901234567890}\n{\"a\":-0.5e3}\n{\"a\":1.25,\"b\":-7}\n",
    "{\"a\":true,\"b\":false}\n{\"a\":null}\n{\"a\":nullx}\n{\"a\":tru}\n",
    "{\"a\":1,\"a\":2,\"b\":{\"a\":3}}\n",
    "{\"z\":{\"y\":[1,2,3]},\"a\":1}\n{\"z\":{\"y\":[1,2,3]},\"a\":2}\n",
  ]

  @Test(arguments: tricky)
  func trickyPiecesAgree(piece: String) throws {
    try Self.expectAgreement(Array(piece.utf8))
    // After lines that warm the caches, and twice over.
    let warm = String(repeating: "{\"a\":1,\"b\":\"x\"}\n", count: 3)
    try Self.expectAgreement(Array((warm + piece).utf8))
    try Self.expectAgreement(Array((piece + "\n" + piece).utf8))
  }

  static let good = [
    #"{"a":1,"d":{"os":"android","version":"14"},"b":"text","n":null,"t":true,"f":false}"#,
    #"{"b":"text","n":null,"a":-12.5,"d":[1,2,{"k":"v"}]}"#,
    #"{"d":{"os":"android","version":"14"}}"#, #"{"d":[[],{}]}"#, #"{"a":1234567}"#,
    #"{"n":null}"#, #"{"t":true}"#, #"{"b":"}"}"#, #"{}"#,
  ]

  /// Every prefix of good lines, as a line of its own and as the last line of the piece
  /// (without a newline, with a `}` added or not), before and after a good line.
  @Test func everyPrefixAgrees() throws {
    for line in Self.good {
      let bytes = Array(line.utf8)
      for cut in 1...bytes.count {
        let prefix = Array(bytes[0..<cut])
        let newline = Array("\n".utf8)
        let next = Array(Self.good[0].utf8) + newline
        try Self.expectAgreement(prefix + newline + next)
        try Self.expectAgreement(next + prefix)
        try Self.expectAgreement(next + prefix + Array("}".utf8))
        try Self.expectAgreement(prefix + Array("\r\n".utf8) + next)
      }
    }
  }

  /// A piece that ends where readable memory ends (a guard page after it): every prefix of
  /// good lines, last in the piece, is read without a fault, and as the search reads it.
  @Test func theWalkNeverReadsPastThePiece() throws {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    for line in Self.good {
      let bytes = Array(line.utf8)
      for cut in 1...bytes.count {
        for tail in ["", "}", "\n", "\r\n"] {
          let piece = Array("{\"a\":1}\n".utf8) + Array(bytes[0..<cut]) + Array(tail.utf8)
          let fused = try Self.beforeGuardPage(piece, page: page) { try Self.scan($0, fused: true) }
          let searched = try Self.scan(InputBytes.copying(piece), fused: false)
          #expect(fused.rowLines == searched.rowLines)
          #expect(fused.badLines.map(\.message) == searched.badLines.map(\.message))
          #expect(fused.prepared.map(\.keptRows) == searched.prepared.map(\.keptRows))
        }
      }
    }
  }

  /// `body` given `piece` copied to the end of a readable page followed by an inaccessible one.
  static func beforeGuardPage<R>(
    _ piece: [UInt8], page: Int, _ body: (InputBytes) throws -> R
  ) throws -> R {
    let length = 2 * page
    let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    let start = try #require(mapped)
    try #require(start != MAP_FAILED)
    defer { munmap(start, length) }
    try #require(mprotect(start + page, page, PROT_NONE) == 0)
    let at = start + page - piece.count
    for (k, byte) in piece.enumerated() { at.storeBytes(of: byte, toByteOffset: k, as: UInt8.self) }
    return try body(InputBytes(borrowing: UnsafeRawBufferPointer(start: at, count: piece.count)))
  }

  /// Pieces built at random from fragments of lines: both framings agree on each.
  @Test func randomPiecesAgree() throws {
    let fragments = [
      "{", "}", "\"a\":", "\"b\":", "\"a\"", "1", "-2.5", "1e3", "\"x\"", "\"}\"", "null", "true",
      ",", ":", "[", "]", "{\"c\":[1]}", "\n", "\r\n", "\r", " ", "\\", "\"\\n\"", "é",
      "\"0123456789abcdefghij\"", "{\"a\":1}\n", "{\"a\":\"v\",\"b\":2}\n",
    ]
    var rng = SplitMix64(state: 0x9E37_79B9_7F4A_7C15)
    func next(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &rng) }
    for _ in 0..<1500 {
      var piece = ""
      for _ in 0..<(1 + next(24)) { piece += fragments[next(fragments.count)] }
      try Self.expectAgreement(Array(piece.utf8))
    }
  }
}
