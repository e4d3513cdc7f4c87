import Foundation
import Testing

@testable import Executor

/// A regular file read ahead on its own thread (`ReadAhead`) gives the reads the reading loop
/// would have made: the same sizes in the same order, the first one limited when asked (a
/// resumed checkpoint), each in a pool buffer behind the room asked for, then end of file.
@Suite struct ReadAheadTests {
  static func file(_ bytes: [UInt8]) throws -> (path: String, fd: Int32) {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("streamsql-ahead-\(UUID().uuidString)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return (path, open(path, O_RDONLY))
  }

  static let bytes: [UInt8] = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

  @Test(arguments: [nil, 1, 999] as [Int?])
  func readsAreThoseOfTheLoop(_ firstLimit: Int?) throws {
    let (path, fd) = try Self.file(Self.bytes)
    defer {
      close(fd)
      unlink(path)
    }
    let ahead = ReadAhead(fd: fd, headroom: 16, readBytes: 4096, firstLimit: firstLimit)
    var got: [UInt8] = []
    var sizes: [Int] = []
    reading: while true {
      switch ahead.next() {
      case .data(let buffer, let count):
        got += UnsafeRawBufferPointer(start: buffer.start + 16, count: count)
        sizes.append(count)
        ahead.pool.giveBack(buffer)
      case .end: break reading
      case .failed(let code): Issue.record("read failed: \(code)"); break reading
      }
    }
    #expect(got == Self.bytes)
    var expected: [Int] = []
    var left = Self.bytes.count
    if let firstLimit {
      expected.append(firstLimit)
      left -= firstLimit
    }
    while left > 0 {
      expected.append(min(4096, left))
      left -= 4096
    }
    #expect(sizes == expected)
    // After the end, the end again.
    if case .end = ahead.next() {} else { Issue.record("no end after the end") }
  }

  /// Stopped before the file is read, it stops (no hang) and leaves the buffers it read.
  @Test func stopsEarly() throws {
    let (path, fd) = try Self.file(Self.bytes)
    defer {
      close(fd)
      unlink(path)
    }
    let ahead = ReadAhead(fd: fd, headroom: 0, readBytes: 100, firstLimit: nil)
    guard case .data(let buffer, let count) = ahead.next() else {
      Issue.record("no first read")
      return
    }
    #expect(count == 100)
    ahead.pool.giveBack(buffer)
    ahead.stop()
    ahead.stop()
  }

  /// A failed read is reported once, then the input is at its end.
  @Test func aFailedReadIsReported() {
    let ahead = ReadAhead(fd: -1, headroom: 0, readBytes: 100, firstLimit: nil)
    guard case .failed(let code) = ahead.next() else {
      Issue.record("a read of a bad descriptor did not fail")
      return
    }
    #expect(code == EBADF)
    if case .end = ahead.next() {} else { Issue.record("no end after the failure") }
  }
}
