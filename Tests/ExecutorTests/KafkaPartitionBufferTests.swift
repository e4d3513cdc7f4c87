import Testing

@testable import Executor

/// A partition's lines between librdkafka and the reader: byte positions handed out map back
/// to the offsets to commit, and a revoke keeps only the rest of a record partly handed out.
@Suite struct KafkaPartitionBufferTests {
  /// Appends records "a\n" (offset 10), "bbbb\n" (11), "cc\n" (12).
  static func filled() -> KafkaPartitionBuffer {
    var b = KafkaPartitionBuffer()
    for (text, offset) in [("a\n", 10), ("bbbb\n", 11), ("cc\n", 12)] {
      _ = b.append(next: Int64(offset) + 1) { $0.append(contentsOf: text.utf8) }
    }
    return b
  }

  static func take(_ b: inout KafkaPartitionBuffer, _ n: Int) -> String {
    var bytes = [UInt8](repeating: 0, count: n)
    let k = bytes.withUnsafeMutableBytes { b.take(into: $0) }
    return String(decoding: bytes[..<k], as: UTF8.self)
  }

  @Test func appliedPositionsBecomeOffsets() {
    var b = KafkaPartitionBufferTests.filled()
    #expect(b.unread == 10)
    #expect(KafkaPartitionBufferTests.take(&b, 4) == "a\nbb")
    #expect(b.applied(upTo: 1) == nil)  // inside the first record
    #expect(b.applied(upTo: 2) == 11)
    #expect(b.applied(upTo: 4) == nil)  // the second is not whole yet
    #expect(KafkaPartitionBufferTests.take(&b, 100) == "bb\ncc\n")
    #expect(b.applied(upTo: 10) == 13)
    #expect(b.unread == 0)
  }

  @Test func aRevokeKeepsOnlyTheRecordPartlyHandedOut() {
    var b = KafkaPartitionBufferTests.filled()
    #expect(KafkaPartitionBufferTests.take(&b, 4) == "a\nbb")
    #expect(b.dropUnread() == 3)  // "cc\n" goes to the next owner
    #expect(KafkaPartitionBufferTests.take(&b, 100) == "bb\n")
    #expect(b.applied(upTo: 7) == 12)
    // At a record boundary nothing is kept; positions go on from where the reader is.
    var c = KafkaPartitionBufferTests.filled()
    #expect(KafkaPartitionBufferTests.take(&c, 2) == "a\n")
    #expect(c.dropUnread() == 8)
    #expect(c.unread == 0)
    _ = c.append(next: 21) { $0.append(contentsOf: "z\n".utf8) }
    #expect(KafkaPartitionBufferTests.take(&c, 100) == "z\n")
    #expect(c.applied(upTo: 4) == 21)
  }
}
