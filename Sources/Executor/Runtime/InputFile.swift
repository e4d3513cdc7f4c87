#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One input of a source: stdin, a file, or a gzip file read through `gzip -dc`.
final class InputFile {
  /// For messages: `stdin` or the path.
  let name: String
  let fd: Int32
  private var pipe: UnsafeMutablePointer<FILE>?
  var lines: LineReader
  private(set) var finished = false
  /// The next read asks for at most this many bytes, once: a file resumed from a checkpoint
  /// reads up to the next multiple of the read size first, so that its reads, and hence its
  /// pieces, fall where they did in the run that wrote the checkpoint.
  var nextReadLimit: Int?
  /// A regular file (not a pipe, a terminal or a gzip file): read ahead on a thread of its own
  /// (`ReadAhead`), started by the first `next(into:)`.
  let isRegularFile: Bool
  var readAhead: ReadAhead?

  init(standardInputWithMaxLineBytes max: Int) {
    name = "stdin"
    fd = 0
    lines = LineReader(maxLineBytes: max)
    isRegularFile = InputFile.isRegular(0)
    InputFile.widenPipe(fd)
  }

  /// Linux's F_SETPIPE_SZ and F_GETPIPE_SZ (not exported to Swift).
  private static let setPipeSize: Int32 = 1031
  private static let getPipeSize: Int32 = 1032

  /// A pipe holds 64 KiB by default, so each read returns at most that: a piece, with its
  /// scheduling and per-piece work, per 64 KiB. A wider pipe lets a fast writer fill it and a
  /// read take up to `ScriptRunner.readBytes` at once; a slow writer's lines still arrive as
  /// they are written. Nothing happens for anything but a pipe, a pipe already as wide, or if
  /// the system refuses.
  static func widenPipe(_ fd: Int32) {
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return }
    let size = fcntl(fd, getPipeSize)
    guard size >= 0, size < ScriptRunner.readBytes else { return }
    _ = fcntl(fd, setPipeSize, Int32(ScriptRunner.readBytes))
  }

  init(path: String, maxLineBytes max: Int) throws(RunError) {
    name = path
    lines = LineReader(maxLineBytes: max)
    if path.hasSuffix(".gz") {
      guard access(path, R_OK) == 0 else {
        throw RunError("cannot read '\(path)': \(POSIX.errorText)")
      }
      let quoted =
        "'"
        + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''")
        + "'"
      guard let p = popen("gzip -dc -- \(quoted)", "r") else {
        throw RunError("cannot start gzip for '\(path)': \(POSIX.errorText)")
      }
      pipe = p
      fd = fileno(p)
      isRegularFile = false
      InputFile.widenPipe(fd)
      return
    }
    let d = open(path, O_RDONLY)
    guard d >= 0 else { throw RunError("cannot read '\(path)': \(POSIX.errorText)") }
    var info = stat()
    if fstat(d, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
      POSIX.close(d)
      throw RunError("cannot read '\(path)': it is a directory")
    }
    fd = d
    isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
    InputFile.widenPipe(d)
  }

  static func isRegular(_ fd: Int32) -> Bool {
    var info = stat()
    return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }

  /// Reads up to `buffer.count` bytes; 0 at end of input, nil when interrupted by a signal.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> Int? {
    let n = Glibc.read(fd, buffer.baseAddress, min(buffer.count, nextReadLimit ?? .max))
    if n >= 0 { nextReadLimit = nil }
    if n < 0 {
      if errno == EINTR || errno == EAGAIN { return nil }
      throw RunError("cannot read \(name): \(POSIX.errorText)")
    }
    return n
  }

  /// True when a read would not block (data or end of input are ready).
  func isReady() -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&p, 1, 0) > 0
  }

  func close() {
    guard !finished else { return }
    finished = true
    readAhead?.stop()
    if let pipe {
      _ = pclose(pipe)
      self.pipe = nil
    } else if fd != 0 {
      POSIX.close(fd)
    }
  }

  /// A gzip file, read through `gzip -dc`: it cannot be sought, only read past.
  var isCompressed: Bool { pipe != nil }

  /// Reads and drops the first `count` decompressed bytes (a gzip input resumed from a
  /// checkpoint); false when the input ends before.
  func skip(_ count: Int64) throws(RunError) -> Bool {
    var left = count
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { scratch.deallocate() }
    while left > 0 {
      let want = Int(min(left, Int64(scratch.count)))
      guard let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<want]))
      else {
        continue
      }
      if n == 0 { return false }
      left -= Int64(n)
    }
    return true
  }

  /// At end of input: a gzip file that did not decompress cleanly is a runtime failure, not a
  /// short input (gzip has said why on stderr).
  func checkDecompressed() throws(RunError) {
    guard let pipe else { return }
    finished = true
    self.pipe = nil
    let status = pclose(pipe)
    if status != 0 {
      throw RunError(
        "cannot read '\(name)': it is not a complete gzip file (gzip exited with status \(status >> 8))"
      )
    }
  }
}
