import Foundation
import Testing

@testable import Executor

/// A file read through mappings (`MappedFile`, `InputChunker.push(mapped:)`) is cut into exactly
/// the pieces a read file is: same bytes, same over-long lines, same carried bytes (hence the
/// same checkpoint offsets) after every read, whatever the read size.
@Suite struct MappedInputTests {
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

  /// The same, reading the file at `path` through mappings from `start`.
  static func framedByMapping(_ path: String, readSize: Int, start: Int = 0) throws -> [String] {
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    guard let file = MappedFile.open(fd: fd, name: "test", smallest: 0) else {
      return ["not mapped"]
    }
    lseek(fd, off_t(start), SEEK_SET)
    var chunker = InputChunker(maxLineBytes: 16, atStreamStart: start == 0)
    var steps: [String] = []
    while true {
      let n = try file.advance(limit: readSize)
      if n == 0 { break }
      let pieces = chunker.push(mapped: try file.mapping(last: chunker.mappedTail + n))
      steps.append("\(describe(pieces)) carried \(chunker.carriedBytes)")
    }
    let tail = chunker.mappedTail > 0 ? try file.mapping(last: chunker.mappedTail) : nil
    steps.append("end \(describe(chunker.finish(mappedTail: tail)))")
    return steps
  }

  static func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("streamsql-mapped-\(UUID().uuidString)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test(arguments: tricky.indices)
  func mappedPiecesEqualReadPieces(_ index: Int) throws {
    let (name, bytes) = MappedInputTests.tricky[index]
    let path = try MappedInputTests.temporaryFile(bytes)
    defer { unlink(path) }
    for size in MappedInputTests.readSizes {
      let read = MappedInputTests.framedByCopy(bytes, readSize: size)
      let mapped = try MappedInputTests.framedByMapping(path, readSize: size)
      #expect(mapped == read, "\(name), reads of \(size)")
    }
  }

  /// A run resumed mid-file (a checkpoint's seek) frames from there, with no BOM check.
  @Test func resumedMidFileFramesFromTheOffset() throws {
    let bytes = MappedInputTests.generated(seed: 11)
    let path = try MappedInputTests.temporaryFile(bytes)
    defer { unlink(path) }
    for start in [1, 3, 50, bytes.count / 2, bytes.count - 1] {
      for size in [1, 7, 64] {
        let read = MappedInputTests.framedByCopy(bytes, readSize: size, start: start)
        let mapped = try MappedInputTests.framedByMapping(path, readSize: size, start: start)
        #expect(mapped == read, "from \(start), reads of \(size)")
      }
    }
  }

  /// An empty or small file is read, not mapped; stdin that is not a regular file neither.
  @Test func onlyLargeEnoughRegularFilesAreMapped() throws {
    let empty = try MappedInputTests.temporaryFile([])
    let small = try MappedInputTests.temporaryFile(Array("{}\n".utf8))
    defer {
      unlink(empty)
      unlink(small)
    }
    #expect(try InputFile(path: empty, maxLineBytes: 100, mapsFrom: 0).mapped == nil)
    #expect(try InputFile(path: small, maxLineBytes: 100).mapped == nil)
    #expect(try InputFile(path: small, maxLineBytes: 100, mapsFrom: 1).mapped != nil)
    var fds: [Int32] = [-1, -1]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    #expect(MappedFile.open(fd: fds[0], name: "pipe", smallest: 0) == nil)
  }

  /// A file that grows while it is read is read on, as reads would.
  @Test func aFileThatGrowsIsReadOn() throws {
    let path = try MappedInputTests.temporaryFile(Array("{\"a\":1}\n".utf8))
    defer { unlink(path) }
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    let file = try #require(MappedFile.open(fd: fd, name: "test", smallest: 0))
    #expect(try file.advance(limit: 100) == 8)
    #expect(try file.advance(limit: 100) == 0)
    let appender = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try appender.seekToEnd()
    try appender.write(contentsOf: Data("{\"a\":2}\n".utf8))
    try appender.close()
    #expect(try file.advance(limit: 100) == 8)
    let view = try file.mapping(last: 16)
    #expect(String(decoding: view.bytes, as: UTF8.self) == "{\"a\":1}\n{\"a\":2}\n")
    // The descriptor's offset is where reads would have left it.
    #expect(lseek(fd, 0, SEEK_CUR) == 16)
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

  /// A mapped file cut while one of its pieces is in flight: the process does not die of
  /// SIGBUS but says what happened and exits with status 1. Run in a forked child, which
  /// truncates the file under the mapping and touches it.
  @Test func truncationUnderAMappingExitsWithAMessage() throws {
    let line = Array("{\"user\":\"u\",\"n\":12345}\n".utf8)
    let path = try MappedInputTests.temporaryFile(Array((0..<20_000).map { _ in line }.joined()))
    defer { unlink(path) }
    let fd = open(path, O_RDWR)
    defer { close(fd) }
    let file = try #require(MappedFile.open(fd: fd, name: "'cut.ndjson'", smallest: 0))
    let n = try file.advance(limit: 1 << 20)
    let view = try file.mapping(last: n)
    let last = view.bytes.baseAddress! + (n - 1)
    var fds: [Int32] = [-1, -1]
    #expect(pipe(&fds) == 0)
    let child = fork()
    if child == 0 {
      dup2(fds[1], 2)
      ftruncate(fd, 0)
      let byte = last.load(as: UInt8.self)
      _exit(byte == 0x0A ? 3 : 4)
    }
    close(fds[1])
    var message: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 512)
    while true {
      let got = read(fds[0], &chunk, chunk.count)
      if got <= 0 { break }
      message += chunk[0..<got]
    }
    close(fds[0])
    var status: Int32 = 0
    waitpid(child, &status, 0)
    #expect(status & 0x7F == 0, "killed by signal \(status & 0x7F)")
    #expect((status >> 8) & 0xFF == 1)
    // Other tests map files too, so the message may name them as well.
    let text = String(decoding: message, as: UTF8.self)
    #expect(text.hasPrefix("streamsql: cannot read "))
    #expect(text.contains("'cut.ndjson'"))
    #expect(text.hasSuffix(": the file was truncated while it was being read\n"))
  }
}
