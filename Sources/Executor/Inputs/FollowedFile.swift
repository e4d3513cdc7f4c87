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
  /// Bytes returned so far over all streams (the runner's count of this input's bytes).
  private var totalRead: Int64 = 0
  /// Where each stream began in `totalRead`, and the file it reads: a checkpoint turns an
  /// applied byte count into a file and an offset in it.
  private var streamStarts: [(start: Int64, device: UInt64, inode: UInt64)] = []

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
    streamStarts = [(0, UInt64(device), UInt64(inode))]
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
      totalRead += Int64(n)
      idleSince = nil
      return .data(count: n, stream: stream)
    }
    // At the end of what the descriptor shows: truncated, rotated, or just quiet.
    var now = stat()
    if fstat(fd, &now) == 0 && Int64(now.st_size) < offset {
      InputLog.say("\(name): file truncated; reading it again from the start")
      lseek(fd, 0, SEEK_SET)
      offset = 0
      streamStarts.append((totalRead, UInt64(device), UInt64(inode)))
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
        streamStarts.append((totalRead, UInt64(device), UInt64(inode)))
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

  // MARK: Checkpoints

  /// The file and offset that `applied` bytes of this input end at, when that is in the file
  /// now open (nil while the applied bytes still end in a file rotated away: the checkpoint
  /// waits for them to catch up), with a hash of the bytes before it.
  func position(applied: Int64) -> (device: UInt64, inode: UInt64, offset: Int64, hash: UInt64)? {
    guard let last = streamStarts.last, applied >= last.start else { return nil }
    streamStarts = [last]
    let at = applied - last.start
    return (last.device, last.inode, at, Checkpoint.tailHash(fd: fd, offset: at))
  }

  /// Goes back to a checkpointed position: the same file at `offset` when the path still names
  /// it; else the file it was rotated to (found by its inode in the same directory), read to
  /// its end before the new one; else the new file from its start, saying that lines written to
  /// the old one after the checkpoint are lost. Returns the byte count the runner resumes at.
  func resume(device: UInt64, inode: UInt64, offset at: Int64, hash: UInt64) throws(RunError)
    -> Int64
  {
    if UInt64(self.device) != device || UInt64(self.inode) != inode {
      guard let rotated = FollowedFile.find(device: device, inode: inode, besides: name) else {
        InputLog.say(
          "\(name): the file read before the restart is gone (rotated away); lines written to it after the checkpoint are lost; reading the new file from the start"
        )
        return 0
      }
      let d = open(rotated, O_RDONLY | O_CLOEXEC)
      guard d >= 0 else { throw RunError("cannot read '\(rotated)': \(POSIX.errorText)") }
      InputLog.say("\(name): rotated while stopped; reading the rest of '\(rotated)' first")
      POSIX.close(fd)
      fd = d
      self.device = dev_t(device)
      self.inode = ino_t(inode)
    }
    var info = stat()
    guard fstat(fd, &info) == 0, Int64(info.st_size) >= at else {
      InputLog.say("\(name): truncated while stopped; reading it again from the start")
      lseek(fd, 0, SEEK_SET)
      offset = 0
      streamStarts = [(0, device, inode)]
      return 0
    }
    guard Checkpoint.tailHash(fd: fd, offset: at) == hash else {
      throw RunError(
        "cannot resume from the checkpoint: '\(name)' was rewritten before the offset it was read to; --reset-checkpoint starts over"
      )
    }
    guard lseek(fd, off_t(at), SEEK_SET) == off_t(at) else {
      throw RunError("cannot seek '\(name)' to \(at): \(POSIX.errorText)")
    }
    offset = at
    totalRead = at
    streamStarts = [(0, device, inode)]
    return at
  }

  /// A file in `path`'s directory with the given device and inode (a log renamed by rotation).
  private static func find(device: UInt64, inode: UInt64, besides path: String) -> String? {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) } ?? "."
    guard let dir = opendir(directory.isEmpty ? "/" : directory) else { return nil }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
      let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard entryName != "." && entryName != ".." else { continue }
      let candidate = slash == nil ? entryName : directory + "/" + entryName
      var info = stat()
      if stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        && UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
      {
        return candidate
      }
    }
    return nil
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
