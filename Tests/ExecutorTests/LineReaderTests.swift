import Testing

@testable import Executor

/// Feeds `bytes` to a reader in the given chunk sizes (cycled); the lines as text, over-long
/// lines as `<over-long N>`, each with its number.
func readLines(_ bytes: [UInt8], chunks: [Int], max: Int = 64) -> [String] {
  var reader = LineReader(maxLineBytes: max)
  var lines: [String] = []
  let collect: (LineReader.Line, Int) -> Void = { line, number in
    switch line {
    case .line(let b): lines.append("\(number):" + String(decoding: b, as: UTF8.self))
    case .overLong(let count): lines.append("\(number):<over-long \(count)>")
    }
  }
  var pos = 0
  var k = 0
  while pos < bytes.count {
    let size = min(chunks[k % chunks.count], bytes.count - pos)
    reader.feed(Array(bytes[pos..<pos + size]), collect)
    pos += size
    k += 1
  }
  reader.finish(collect)
  return lines
}

let longLine = String(repeating: "x", count: 200)
let stream: [UInt8] =
  [0xEF, 0xBB, 0xBF]
  + Array(
    ("{\"a\":1}\n" + "{\"b\":2}\r\n" + "\n" + longLine + "\n" + "{\"c\":3}\n" + "\r\n"
      + String(repeating: "y", count: 64)
      + "\r\n" + String(repeating: "z", count: 65) + "\n" + longLine + "\r\n" + "last").utf8)
let expectedLines = [
  "1:{\"a\":1}", "2:{\"b\":2}", "3:", "4:<over-long 200>", "5:{\"c\":3}", "6:",
  "7:" + String(repeating: "y", count: 64),
  "8:<over-long 65>", "9:<over-long 201>", "10:last",
]

@Test func linesWhole() {
  #expect(readLines(stream, chunks: [stream.count]) == expectedLines)
}

@Test func linesByteByByte() {
  #expect(readLines(stream, chunks: [1]) == expectedLines)
}

@Test func linesInRandomChunks() {
  var rng = SplitMix64(state: 3)
  for _ in 0..<200 {
    let sizes = (0..<7).map { _ in 1 + Int(rng.next() % 90) }
    #expect(readLines(stream, chunks: sizes) == expectedLines, "\(sizes)")
  }
}

@Test func bomOnlyAtTheStart() {
  let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
  let text = Array("a\n".utf8) + bom + Array("b\n".utf8)
  #expect(readLines(bom + text, chunks: [1]) == ["1:a", "2:\u{FEFF}b"])
  #expect(readLines(bom + text, chunks: [2]) == ["1:a", "2:\u{FEFF}b"])
  // A partial BOM is data (decoded here as one replacement character).
  #expect(readLines([0xEF, 0xBB] + Array("x\n".utf8), chunks: [1]) == ["1:\u{FFFD}x"])
  #expect(readLines([0xEF], chunks: [1]).count == 1)
  #expect(readLines(bom, chunks: [1]).isEmpty)
}

@Test func noTrailingNewlineAndEmptyInput() {
  #expect(readLines([], chunks: [1]).isEmpty)
  #expect(readLines(Array("a\nb".utf8), chunks: [1]) == ["1:a", "2:b"])
  #expect(readLines(Array("a\n".utf8), chunks: [1]) == ["1:a"])
  #expect(readLines(Array("a\r".utf8), chunks: [5]) == ["1:a"])
}

@Test func overLongLineMemoryStaysBounded() {
  var reader = LineReader(maxLineBytes: 1000)
  var seen: [String] = []
  let chunk = [UInt8](repeating: 0x41, count: 4096)
  for _ in 0..<1000 { reader.feed(chunk) { _, _ in seen.append("?") } }
  reader.feed(Array("\nok\n".utf8)) { line, n in
    if case .overLong(let c) = line { seen.append("\(n):over \(c)") }
    if case .line(let b) = line { seen.append("\(n):" + String(decoding: b, as: UTF8.self)) }
  }
  #expect(seen == ["1:over 4096000", "2:ok"])
  #expect(reader.lineCount == 2)
}

@Test func newlineSearchAndCount() {
  var bytes = [UInt8](repeating: 0x61, count: 1000)
  for k in [0, 15, 16, 17, 31, 500, 999] { bytes[k] = 0x0A }
  bytes.withUnsafeBytes { b in
    var found: [Int] = []
    var from = 0
    while let nl = LineSplitter.nextNewline(in: b, from: from) {
      found.append(nl)
      from = nl + 1
    }
    #expect(found == [0, 15, 16, 17, 31, 500, 999])
    #expect(LineSplitter.countNewlines(in: b) == 7)
  }
  let big = [UInt8](repeating: 0x0A, count: 16 * 300 + 5)
  #expect(big.withUnsafeBytes { LineSplitter.countNewlines(in: $0) } == big.count)
}
