import Foundation
import Testing

@testable import Executor

/// The checkpoint files: format 4 keeps the lineage and sequence number the Kafka sink's
/// marks are checked against, format 3 is still read, and a run with a transactional Kafka
/// sink keeps the checkpoint it replaces as `checkpoint.previous.bin`.
@Suite struct CheckpointFilesTests {
  static func checkpoint(sequence: Int64, lineage: UInt64 = 0xabc) -> Checkpoint {
    var c = Checkpoint(
      fingerprint: "plan", takenAtMillis: 1_795_680_000_000 + sequence,
      inputs: [
        Checkpoint.InputPosition(
          path: "kafka://b:1/t#0", device: 0, inode: 0, offset: 42 + sequence, tailHash: 0,
          ended: false, lines: 7, streamed: false)
      ], sinks: [Checkpoint.SinkPosition(path: "out.ndjson", length: 99)],
      sourceStats: [[1, 2, 3, 4]], queries: [[1, 2, 3]])
    c.lineage = lineage
    c.sequence = sequence
    return c
  }

  @Test func formatFourKeepsLineageAndSequence() throws {
    let decoded = try Checkpoint(decoding: CheckpointFilesTests.checkpoint(sequence: 5).encoded())
    #expect(decoded.lineage == 0xabc && decoded.sequence == 5)
    #expect(decoded.inputs.first?.offset == 47 && decoded.queries == [[1, 2, 3]])
  }

  @Test func formatThreeIsReadWithoutThem() throws {
    var bytes = CheckpointFilesTests.checkpoint(sequence: 5).encoded()
    let header = Checkpoint.magic.count
    // Version 3, and without the 16 bytes of lineage and sequence after fingerprint and time.
    bytes[header] = 3
    let afterTime = header + 8 + 8 + "plan".utf8.count + 8
    bytes.removeSubrange(afterTime..<afterTime + 16)
    let decoded = try Checkpoint(decoding: bytes)
    #expect(decoded.lineage == 0 && decoded.sequence == 0)
    #expect(decoded.fingerprint == "plan" && decoded.inputs.first?.offset == 47)
    bytes[header] = 2
    #expect(throws: CheckpointError.self) { try Checkpoint(decoding: bytes) }
  }

  @Test func writingKeepsThePreviousOnlyWhenAsked() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "streamsql-ckfiles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.path
    try CheckpointFilesTests.checkpoint(sequence: 1).write(to: path, keepingPrevious: true)
    #expect(try Checkpoint.loadPrevious(from: path) == nil)
    try CheckpointFilesTests.checkpoint(sequence: 2).write(to: path, keepingPrevious: true)
    try CheckpointFilesTests.checkpoint(sequence: 3).write(to: path, keepingPrevious: true)
    #expect(try Checkpoint.load(from: path)?.sequence == 3)
    #expect(try Checkpoint.loadPrevious(from: path)?.sequence == 2)
    try CheckpointFilesTests.checkpoint(sequence: 4).write(to: path)
    #expect(try Checkpoint.load(from: path)?.sequence == 4)
    #expect(try Checkpoint.loadPrevious(from: path)?.sequence == 2)
    // --reset-checkpoint forgets both.
    try Checkpoint.remove(from: path)
    #expect(try Checkpoint.load(from: path) == nil)
    #expect(try Checkpoint.loadPrevious(from: path) == nil)
  }
}
