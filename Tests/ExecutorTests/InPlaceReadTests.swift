import Testing

@testable import Executor

/// Reads put straight into a pool buffer behind some room (`InputChunker.push(inPlace:)`, how
/// every input is read) are cut into exactly the pieces that copying them would give
/// (`push(_:pool:)`): same bytes, same over-long lines, same carried bytes (hence the same
/// checkpoint offsets) after every read, whatever the read size and however much room there is
/// for the carried partial line.
@Suite struct InPlaceReadTests {
  /// Inputs whose framing has edges: byte order marks (whole, partial, alone), no final newline,
  /// CRLF, blank lines, over-long lines (the limit is 16 here) anywhere.
  static let tricky: [(String, [UInt8])] = [
    ("one line", Array("{\"a\":1}\n".utf8)),
    ("no final newline", Array("{\"a\":1}\n{\"a\":2}".utf8)),
    ("BOM", [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\n{\"a\":2}\n".utf8)),
    ("BOM alone", [0xEF, 0xBB, 0xBF]),
    ("BOM then newline", [0xEF, 0xBB, 0xBF, 0x0A]),
    ("half a BOM", [0xEF, 0xBB]),
    ("half a BOM then data", [0xEF, 0xBB] + Array("{}\n{}\n".utf8)),
    ("newlines first", Array("\n\n{}\n".utf8)),
    ("one byte", Array("x".utf8)),
    ("CRLF", Array("{\"a\":1}\r\n{\"a\":2}\r\n{\"a\":3}\r".utf8)),
    ("over-long first", Array((String(repeating: "x", count: 40) + "\n{}\n").utf8)),
    ("over-long last, torn", Array(("{}\n" + String(repeating: "y", count: 50)).utf8)),
    (
      "over-long between",
      Array(("{\"a\":1}\n" + String(repeating: "z", count: 33) + "\n{\"a\":2}\n").utf8)
    ),
    ("exactly the limit", Array((String(repeating: "a", count: 16) + "\n").utf8)),
    ("limit and CR", Array((String(repeating: "b", count: 16) + "\r\n").utf8)),
    ("one over and CR", Array((String(repeating: "c", count: 17) + "\r\n{}\n").utf8)),
    ("generated", generated(seed: 7)),
  ]

  static let readSizes = [1, 2, 3, 4, 5, 7, 16, 17, 64, 1000]

  /// Random short lines, long lines, blank lines, CRs, with a BOM.
  static func generated(seed: UInt64) -> [UInt8] {
    var state = seed
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
    for _ in 0..<300 {
      let length = next(10) == 0 ? 10 + next(60) : next(14)
      bytes += (0..<length).map { _ in UInt8(0x61 + next(26)) }
      if next(5) == 0 { bytes.append(0x0D) }
      bytes.append(0x0A)
    }
    bytes += Array("torn".utf8)
    return bytes
  }

  static func describe(_ pieces: [InputChunker.Piece]) -> [String] {
    pieces.map {
      switch $0 {
      case .lines(let b): "lines " + String(decoding: b.bytes, as: UTF8.self).debugDescription
      case .overLong(let n): "over-long \(n)"
      }
    }
  }

  /// The pieces (and carried bytes) after each read, reading `bytes` from `start` by copy.
  static func framedByCopy(_ bytes: [UInt8], readSize: Int, start: Int = 0) -> [String] {
    let pool = PieceBufferPool(usualCapacity: 64)
    var chunker = InputChunker(maxLineBytes: 16, atStreamStart: start == 0)
    var steps: [String] = []
    var pos = start
    while pos < bytes.count {
      let n = min(readSize, bytes.count - pos)
      let pieces = bytes[pos..<pos + n].withUnsafeBytes { chunker.push($0, pool: pool) }
      steps.append("\(describe(pieces)) carried \(chunker.carriedBytes)")
      pos += n
    }
    steps.append("end \(describe(chunker.finish()))")
    return steps
  }

  /// The same, each read put into a pool buffer `headroom` bytes in, as `SourceReader` does: the
  /// buffer is used for the next read unless a piece took it.
  static func framedInPlace(_ bytes: [UInt8], readSize: Int, headroom: Int, start: Int = 0)
    -> [String]
  {
    let pool = PieceBufferPool(usualCapacity: headroom + readSize)
    var chunker = InputChunker(maxLineBytes: 16, atStreamStart: start == 0)
    var steps: [String] = []
    var buffer: PieceBufferPool.Buffer?
    var pos = start
    while pos < bytes.count {
      let n = min(readSize, bytes.count - pos)
      let into = buffer ?? pool.take(atLeast: headroom + readSize)
      bytes[pos..<pos + n].withUnsafeBytes {
        into.start.advanced(by: headroom).copyMemory(from: $0.baseAddress!, byteCount: n)
      }
      let read = UnsafeRawBufferPointer(start: into.start + headroom, count: n)
      let (pieces, used) = chunker.push(inPlace: read, of: into, headroom: headroom, pool: pool)
      buffer = used ? nil : into
      steps.append("\(describe(pieces)) carried \(chunker.carriedBytes)")
      pos += n
    }
    if let buffer { pool.giveBack(buffer) }
    steps.append("end \(describe(chunker.finish()))")
    return steps
  }

  static let headrooms = [0, 1, 5, 16, 64]

  @Test(arguments: tricky.indices)
  func inPlacePiecesEqualCopiedPieces(_ index: Int) {
    let (name, bytes) = InPlaceReadTests.tricky[index]
    for size in InPlaceReadTests.readSizes {
      let copied = InPlaceReadTests.framedByCopy(bytes, readSize: size)
      for headroom in InPlaceReadTests.headrooms {
        let inPlace = InPlaceReadTests.framedInPlace(bytes, readSize: size, headroom: headroom)
        #expect(inPlace == copied, "\(name), reads of \(size), room for \(headroom)")
      }
    }
  }

  /// A run resumed mid-file (a checkpoint's seek) frames from there, with no BOM check.
  @Test func resumedMidFileFramesFromTheOffset() {
    let bytes = InPlaceReadTests.generated(seed: 11)
    for start in [1, 3, 50, bytes.count / 2, bytes.count - 1] {
      for size in [1, 7, 64] {
        let copied = InPlaceReadTests.framedByCopy(bytes, readSize: size, start: start)
        let inPlace = InPlaceReadTests.framedInPlace(
          bytes, readSize: size, headroom: 16, start: start)
        #expect(inPlace == copied, "from \(start), reads of \(size)")
      }
    }
  }

  /// With room for the carried partial line, the piece is the read's own buffer: the carried
  /// bytes just before the read's, nothing copied but them.
  @Test func thePieceIsTheReadBuffer() {
    let pool = PieceBufferPool(usualCapacity: 64)
    var chunker = InputChunker(maxLineBytes: 100)
    // The stream's first bytes decide the BOM question by copy; then reads go in place.
    _ = Array("{}\n".utf8).withUnsafeBytes { chunker.push($0, pool: pool) }
    _ = Array("{\"a\"".utf8).withUnsafeBytes { chunker.push($0, pool: pool) }
    let buffer = pool.take(atLeast: 64)
    let text = Array(":1}\n{\"b\":2}\n{\"c".utf8)
    buffer.start.advanced(by: 16).copyMemory(from: text, byteCount: text.count)
    let (pieces, used) = chunker.push(
      inPlace: UnsafeRawBufferPointer(start: buffer.start + 16, count: text.count), of: buffer,
      headroom: 16, pool: pool)
    #expect(used)
    guard case .lines(let piece) = pieces.first, pieces.count == 1 else {
      Issue.record("expected one piece, got \(InPlaceReadTests.describe(pieces))")
      return
    }
    #expect(String(decoding: piece.bytes, as: UTF8.self) == "{\"a\":1}\n{\"b\":2}\n")
    #expect(piece.bytes.baseAddress == UnsafeRawPointer(buffer.start + 12))
    #expect(chunker.carriedBytes == 3)
    // Released, the buffer goes back to the pool whole and is handed out again.
    piece.release()
    #expect(pool.idleCount == 1)
    let again = pool.take(atLeast: 64)
    #expect(again.start == buffer.start)
    pool.giveBack(again)
  }

  /// Buffers of read pieces go back to the pool once released, and are used again.
  @Test func readPiecesReuseTheirBuffers() {
    let pool = PieceBufferPool(usualCapacity: 64)
    var chunker = InputChunker(maxLineBytes: 100)
    let first = Array("{\"a\":1}\n{\"a\":2}\n{\"b\"".utf8).withUnsafeBytes {
      chunker.push($0, pool: pool)
    }
    guard case .lines(let piece) = first.first else {
      Issue.record("no piece")
      return
    }
    #expect(String(decoding: piece.bytes, as: UTF8.self) == "{\"a\":1}\n{\"a\":2}\n")
    let address = piece.bytes.baseAddress
    piece.release()
    #expect(pool.idleCount == 1)
    let second = Array(":3}\n".utf8).withUnsafeBytes { chunker.push($0, pool: pool) }
    guard case .lines(let again) = second.first else {
      Issue.record("no piece")
      return
    }
    #expect(String(decoding: again.bytes, as: UTF8.self) == "{\"b\":3}\n")
    #expect(again.bytes.baseAddress == address)
    #expect(pool.idleCount == 0)
  }
}
