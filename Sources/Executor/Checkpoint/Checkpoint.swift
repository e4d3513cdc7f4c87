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
/// Written atomically: a temporary file in DIR, fsync, rename over the old one, fsync of DIR.
public struct Checkpoint: Sendable {
  /// Bumped whenever the encoding changes; an older checkpoint is refused, not misread.
  static let formatVersion: Int64 = 3
  static let fileName = "checkpoint.bin"
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
    guard version == Checkpoint.formatVersion else {
      throw CheckpointError(
        "it was written by another version of streamsql (format \(version), this one reads \(Checkpoint.formatVersion))"
      )
    }
    fingerprint = try r.string()
    takenAtMillis = try r.int()
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

  // MARK: Files

  static func path(in directory: String) -> String { directory + "/" + fileName }

  /// The checkpoint in `directory`, nil when there is none yet.
  public static func load(from directory: String) throws(CheckpointError) -> Checkpoint? {
    let path = Checkpoint.path(in: directory)
    let fd = open(path, O_RDONLY)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw CheckpointError("cannot read '\(path)': \(POSIX.errorText)")
    }
    defer { POSIX.close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = read(fd, &chunk, chunk.count)
      if n < 0 && errno == EINTR { continue }
      guard n >= 0 else { throw CheckpointError("cannot read '\(path)': \(POSIX.errorText)") }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<n])
    }
    do throws(CheckpointError) {
      return try Checkpoint(decoding: bytes)
    } catch {
      throw CheckpointError(
        "cannot use '\(path)': \(error.message); --reset-checkpoint starts over")
    }
  }

  /// Creates `directory` if needed (one level, like `mkdir`).
  public static func prepareDirectory(_ directory: String) throws(CheckpointError) {
    var info = stat()
    if stat(directory, &info) == 0 {
      guard (info.st_mode & S_IFMT) == S_IFDIR else {
        throw CheckpointError("--checkpoint '\(directory)' is not a directory")
      }
      return
    }
    guard mkdir(directory, 0o755) == 0 else {
      throw CheckpointError(
        "cannot create --checkpoint directory '\(directory)': \(POSIX.errorText)")
    }
  }

  /// `--reset-checkpoint`: forgets the checkpoint in `directory`.
  public static func remove(from directory: String) throws(CheckpointError) {
    let path = Checkpoint.path(in: directory)
    if unlink(path) != 0 && errno != ENOENT {
      throw CheckpointError("cannot remove '\(path)': \(POSIX.errorText)")
    }
  }

  /// Writes atomically: temp file, fsync, rename, fsync of the directory.
  func write(to directory: String) throws(CheckpointError) {
    let final = Checkpoint.path(in: directory)
    let temp = final + ".tmp"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw CheckpointError("cannot write '\(temp)': \(POSIX.errorText)") }
    let bytes = encoded()
    var offset = 0
    var failed = false
    bytes.withUnsafeBytes { b in
      while offset < b.count {
        let n = Glibc.write(fd, b.baseAddress! + offset, b.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failed = true
          return
        }
        offset += n
      }
    }
    if failed || fsync(fd) != 0 {
      let why = POSIX.errorText
      POSIX.close(fd)
      throw CheckpointError("cannot write '\(temp)': \(why)")
    }
    POSIX.close(fd)
    guard rename(temp, final) == 0 else {
      throw CheckpointError("cannot rename '\(temp)' to '\(final)': \(POSIX.errorText)")
    }
    let dir = open(directory, O_RDONLY)
    if dir >= 0 {
      _ = fsync(dir)
      POSIX.close(dir)
    }
  }

  /// FNV-1a of the up to 4 KiB of `fd` before `offset`: a cheap check that the bytes already
  /// consumed are still the ones there.
  static func tailHash(fd: Int32, offset: Int64) -> UInt64 {
    let start = max(0, offset - 4096)
    var buffer = [UInt8](repeating: 0, count: Int(offset - start))
    var got = 0
    while got < buffer.count {
      let n = buffer.withUnsafeMutableBytes {
        pread(fd, $0.baseAddress! + got, $0.count - got, off_t(start) + off_t(got))
      }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      got += n
    }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in buffer[0..<got] {
      hash ^= UInt64(b)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }
}
