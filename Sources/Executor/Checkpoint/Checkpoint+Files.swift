#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The checkpoint files of a `--checkpoint DIR`: `checkpoint.bin`, the newest, and with a
/// transactional Kafka sink `checkpoint.previous.bin`, the one before it.
///
/// Every step is atomic and ordered by fsyncs, so a crash at any point leaves the newest
/// checkpoint or the one before it in `checkpoint.bin`, and in `checkpoint.previous.bin` the
/// one before whatever `checkpoint.bin` holds (or the same one).
extension Checkpoint {
  static func path(in directory: String) -> String { directory + "/" + fileName }

  static func previousPath(in directory: String) -> String {
    directory + "/" + previousFileName
  }

  /// The newest checkpoint in `directory`, nil when there is none yet.
  public static func load(from directory: String) throws(CheckpointError) -> Checkpoint? {
    try read(Checkpoint.path(in: directory))
  }

  /// The checkpoint before the newest, kept by runs with a transactional Kafka sink; nil when
  /// there is none.
  static func loadPrevious(from directory: String) throws(CheckpointError) -> Checkpoint? {
    try read(Checkpoint.previousPath(in: directory))
  }

  private static func read(_ path: String) throws(CheckpointError) -> Checkpoint? {
    let fd = open(path, O_RDONLY)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw CheckpointError("cannot read '\(path)': \(POSIX.errorText)")
    }
    defer { POSIX.close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = Glibc.read(fd, &chunk, chunk.count)
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

  /// `--reset-checkpoint`: forgets the checkpoints in `directory`, the previous one first, so
  /// that a crash in between never leaves a previous checkpoint without its newer one.
  public static func remove(from directory: String) throws(CheckpointError) {
    for path in [Checkpoint.previousPath(in: directory), Checkpoint.path(in: directory)] {
      if unlink(path) != 0 && errno != ENOENT {
        throw CheckpointError("cannot remove '\(path)': \(POSIX.errorText)")
      }
    }
    syncDirectory(directory)
  }

  /// The newest checkpoint's Kafka transaction did not commit: the previous checkpoint becomes
  /// the newest again (renamed over it), so that the next one written keeps it as previous.
  static func revertToPrevious(in directory: String) throws(CheckpointError) {
    let previous = Checkpoint.previousPath(in: directory)
    guard rename(previous, Checkpoint.path(in: directory)) == 0 else {
      throw CheckpointError("cannot rename '\(previous)': \(POSIX.errorText)")
    }
    syncDirectory(directory)
  }

  /// Writes atomically: temp file, fsync, rename, fsync of the directory. With
  /// `keepingPrevious`, the checkpoint it replaces first becomes `checkpoint.previous.bin`
  /// (a hard link renamed into place, so `checkpoint.bin` never goes missing).
  func write(to directory: String, keepingPrevious: Bool = false) throws(CheckpointError) {
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
    if keepingPrevious && access(final, F_OK) == 0 {
      let previous = Checkpoint.previousPath(in: directory)
      let link = previous + ".tmp"
      _ = unlink(link)
      guard Glibc.link(final, link) == 0, rename(link, previous) == 0 else {
        throw CheckpointError("cannot keep '\(final)' as '\(previous)': \(POSIX.errorText)")
      }
      Checkpoint.syncDirectory(directory)
      CrashPoint.reach(.previousKept)
    }
    guard rename(temp, final) == 0 else {
      throw CheckpointError("cannot rename '\(temp)' to '\(final)': \(POSIX.errorText)")
    }
    Checkpoint.syncDirectory(directory)
  }

  /// Makes the renames and removals in `directory` durable.
  private static func syncDirectory(_ directory: String) {
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
