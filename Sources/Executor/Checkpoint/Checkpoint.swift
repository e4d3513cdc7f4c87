#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One checkpoint as stored in `DIR/checkpoint.bin`: what the run was (its plan fingerprint),
/// where each input had been consumed to, how long each output file was, and every query's
/// state, all as of one moment between two applied pieces of input.
///
/// It reflects exactly the rows before the recorded offsets: pieces are whole lines, and a
/// checkpoint is only taken when every input's last applied piece ended on a known byte.
/// Written atomically (Checkpoint+Files.swift): a temporary file in DIR, fsync, rename over
/// the old one, fsync of DIR. A run with a transactional Kafka sink keeps the one before as
/// `DIR/checkpoint.previous.bin`, for when the newest one's transaction did not commit
/// (Checkpointer+KafkaResume.swift).
///
/// Each checkpoint of a run and of its resumed runs shares one `lineage` and has the next
/// `sequence` number; the Kafka sink's transaction of a checkpoint records both in the
/// cluster, so a restart can tell which checkpoint's rows were committed.
public struct Checkpoint: Sendable {
  /// Bumped whenever the encoding changes; an older checkpoint is refused, not misread, except
  /// format 3, which is format 4 without `lineage` and `sequence` (read as 0: unknown).
  static let formatVersion: Int64 = 4
  static let fileName = "checkpoint.bin"
  static let previousFileName = "checkpoint.previous.bin"
  static let magic = Array("streamsql-checkpoint\n".utf8)

  /// Where one input stood: a file (sought back to `offset` on resume), or a stream that
  /// cannot be read again (stdin from a pipe, a socket), of which only the state is kept.
  struct InputPosition: Sendable {
    var path: String
    var device: UInt64
    var inode: UInt64
    /// Bytes of the file consumed: every line before this offset has been applied.
    var offset: Int64
    /// FNV-1a of the (up to) 4 KiB before `offset`, so a file rewritten in place is noticed.
    var tailHash: UInt64
    var ended: Bool
    /// Lines applied, for line numbers in messages.
    var lines: Int
    /// A pipe or socket: no identity, `offset` counts bytes applied but cannot be sought.
    var streamed: Bool

    /// For messages: `'path' (a file)` or `'stdin' (a pipe or socket)`.
    var describe: String { "'\(path)' (\(streamed ? "a pipe or socket" : "a file"))" }
  }

  /// How long one output file was once flushed.
  struct SinkPosition: Sendable {
    var path: String
    var length: Int64
  }

  /// `CheckpointSupport.fingerprint`: EXPLAIN of the plan and the options that shape output.
  public var fingerprint: String
  var takenAtMillis: Int64
  /// Random, chosen by the run that took the first checkpoint of a directory and kept by the
  /// runs resumed from it; 0 in a format-3 checkpoint.
  var lineage: UInt64 = 0
  /// 1 for the lineage's first checkpoint, then one more for each; 0 in a format-3 checkpoint.
  var sequence: Int64 = 0
  var inputs: [InputPosition]
  var sinks: [SinkPosition]
  /// Per source: lines, bytes, bad lines and bad rows counted so far (`--stats`).
  var sourceStats: [[Int]]
  /// One encoded `QueryRunner` state per query, in plan order.
  var queries: [[UInt8]]

  /// Input lines the restored state already covers.
  public var linesCovered: Int { inputs.reduce(0) { $0 + $1.lines } }

  /// When it was taken, milliseconds since the epoch.
  public var takenAt: Int64 { takenAtMillis }

  /// The name output positions use for stdout redirected to a regular file.
  static let standardOutputName = "<stdout>"

  func encoded() -> [UInt8] {
    var w = CheckpointWriter()
    w.int(Checkpoint.formatVersion)
    w.string(fingerprint)
    w.int(takenAtMillis)
    w.int(Int64(bitPattern: lineage))
    w.int(sequence)
    w.int(inputs.count)
    for i in inputs {
      w.string(i.path)
      w.int(Int64(bitPattern: i.device))
      w.int(Int64(bitPattern: i.inode))
      w.int(i.offset)
      w.int(Int64(bitPattern: i.tailHash))
      w.bool(i.ended)
      w.int(i.lines)
      w.bool(i.streamed)
    }
    w.int(sinks.count)
    for s in sinks {
      w.string(s.path)
      w.int(s.length)
    }
    w.int(sourceStats.count)
    for s in sourceStats {
      w.int(s.count)
      for n in s { w.int(n) }
    }
    w.int(queries.count)
    for q in queries { w.raw(q) }
    return Checkpoint.magic + w.bytes
  }

  init(
    fingerprint: String, takenAtMillis: Int64, inputs: [InputPosition], sinks: [SinkPosition],
    sourceStats: [[Int]], queries: [[UInt8]]
  ) {
    self.fingerprint = fingerprint
    self.takenAtMillis = takenAtMillis
    self.inputs = inputs
    self.sinks = sinks
    self.sourceStats = sourceStats
    self.queries = queries
  }

  init(decoding bytes: [UInt8]) throws(CheckpointError) {
    guard bytes.starts(with: Checkpoint.magic) else {
      throw CheckpointError("it is not a streamsql checkpoint")
    }
    var r = CheckpointReader(Array(bytes.dropFirst(Checkpoint.magic.count)))
    let version = try r.int()
    guard version == Checkpoint.formatVersion || version == 3 else {
      throw CheckpointError(
        "it was written by another version of streamsql (format \(version), this one reads \(Checkpoint.formatVersion))"
      )
    }
    fingerprint = try r.string()
    takenAtMillis = try r.int()
    if version >= 4 {
      lineage = UInt64(bitPattern: try r.int())
      sequence = try r.int()
    }
    inputs = []
    for _ in 0..<(try r.count()) {
      let path = try r.string()
      let device = UInt64(bitPattern: try r.int())
      let inode = UInt64(bitPattern: try r.int())
      let offset = try r.int()
      let hash = UInt64(bitPattern: try r.int())
      let ended = try r.bool()
      let lines = Int(try r.int())
      let streamed = try r.bool()
      inputs.append(
        InputPosition(
          path: path, device: device, inode: inode, offset: offset, tailHash: hash, ended: ended,
          lines: lines, streamed: streamed))
    }
    sinks = []
    for _ in 0..<(try r.count()) {
      let path = try r.string()
      sinks.append(SinkPosition(path: path, length: try r.int()))
    }
    sourceStats = []
    for _ in 0..<(try r.count()) {
      var s: [Int] = []
      for _ in 0..<(try r.count()) { s.append(Int(try r.int())) }
      sourceStats.append(s)
    }
    queries = []
    for _ in 0..<(try r.count()) { queries.append(try r.raw()) }
    guard r.atEnd else { throw CheckpointError("the checkpoint file has trailing bytes") }
  }
}
