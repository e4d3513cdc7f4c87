#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A regular file read as it grows (`--follow`, as `tail -F`): it never ends by itself.
///
/// At end of file it waits (`checkMillis`) and then looks again. When the path names another
/// inode (the file was rotated: `mv log log.1` and a new `log`), the old file is read to its
/// end first, then the new one from its start. When the file shrinks below what was read (it
/// was truncated), reading starts again at offset 0. Each inode, and each restart after
/// truncation, is its own byte stream, so a half-written last line is never glued to the first
/// line of the next file.
final class FollowedFile: Input {
  let name: String
  private var fd: Int32
  private var inode: ino_t
  private var device: dev_t
  private var offset: Int64 = 0
  private var stream = 0
  private(set) var finished = false
  /// When the file was last found at its end; nil while there is (or may be) more to read.
  private var idleSince: Int64?
  /// How long to wait at end of file before checking again.
  static let checkMillis: Int64 = 150

  init(path: String) throws(RunError) {
    name = path
    let d = open(path, O_RDONLY | O_CLOEXEC)
    guard d >= 0 else { throw RunError("cannot read '\(path)': \(POSIX.errorText)") }
    var info = stat()
    fstat(d, &info)
    if (info.st_mode & S_IFMT) == S_IFDIR {
      POSIX.close(d)
      throw RunError("cannot read '\(path)': it is a directory")
    }
    fd = d
    inode = info.st_ino
    device = info.st_dev
  }

  func isReady() -> Bool {
    guard !finished else { return false }
    guard let since = idleSince else { return true }
    return Clock.monotonicMillis() - since >= FollowedFile.checkMillis
  }

  func next(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> InputEvent {
    let n = read(fd, buffer.baseAddress, buffer.count)
    if n < 0 {
      if errno == EINTR || errno == EAGAIN { return .idle }
      throw RunError("cannot read \(name): \(POSIX.errorText)")
    }
    if n > 0 {
      offset += Int64(n)
      idleSince = nil
      return .data(count: n, stream: stream)
    }
    // At the end of what the descriptor shows: truncated, rotated, or just quiet.
    var now = stat()
    if fstat(fd, &now) == 0 && Int64(now.st_size) < offset {
      InputLog.say("\(name): file truncated; reading it again from the start")
      lseek(fd, 0, SEEK_SET)
      offset = 0
      return endStream()
    }
    var named = stat()
    if stat(name, &named) == 0 && (named.st_ino != inode || named.st_dev != device) {
      let d = open(name, O_RDONLY | O_CLOEXEC)
      if d >= 0 {
        // The old file was read to its end above; anything written to it from now on is lost,
        // as with tail -F.
        POSIX.close(fd)
        fd = d
        var info = stat()
        fstat(d, &info)
        inode = info.st_ino
        device = info.st_dev
        offset = 0
        InputLog.say("\(name): file rotated; reading the new file from the start")
        return endStream()
      }
    }
    idleSince = Clock.monotonicMillis()
    return .idle
  }

  /// The current stream ends (its last line, if unterminated, counts as a line); the next
  /// read starts a new one at once.
  private func endStream() -> InputEvent {
    let ended = stream
    stream += 1
    idleSince = nil
    return .streamEnded(stream: ended, tornIsBad: false)
  }

  /// A regular file always polls readable, so the loop is woken by time instead.
  func pollRequests() -> [pollfd] { [] }

  func wakeAfterMillis() -> Int32? {
    guard let since = idleSince else { return 0 }
    return Int32(max(0, FollowedFile.checkMillis - (Clock.monotonicMillis() - since)))
  }

  func close() {
    guard !finished else { return }
    finished = true
    POSIX.close(fd)
  }
}
