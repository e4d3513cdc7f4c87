#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A regular file read through memory mappings instead of read(2): stdin redirected from a
/// file, or a file named with `-i`, neither followed nor compressed.
///
/// Reading a file copies every byte from the page cache into the process, and the pieces used to
/// be copied once more; a mapping hands the scanning threads the page cache itself. Each piece
/// gets a mapping of its own, from the start of the partial line it continues to the end of its
/// "read", and is unmapped as soon as it is scanned: what is resident stays bounded by the
/// pieces in flight (a few megabytes), however large the file.
///
/// It advances exactly as reads of the same sizes would (`advance(limit:)`), so pieces fall where
/// they do for a read file (a resumed run repeats them), and it keeps the descriptor's offset
/// where the reads would have left it. The size is looked at again only when the position
/// reaches it, as a read at end of file would: a file that grows is read on, one that shrank
/// ends there. A file that shrinks while a mapped piece is scanned would raise SIGBUS; that
/// ends the run with a clear message (`MappingFault`).
final class MappedFile {
  /// A descriptor of its own for the same open file (the same offset): the input's may be
  /// closed at end of file before the torn last line is mapped.
  let fd: Int32
  /// For messages: `stdin` or the quoted path.
  let name: String
  /// The next byte to hand out; read from the descriptor's offset on first use, so that a
  /// checkpoint's seek (or a caller that read some of stdin first) is honoured.
  private var position: Int64 = -1
  /// The file size when last looked at.
  private var knownSize: Int64 = 0
  private static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

  /// Files shorter than this are read as before: mapping pays only for large files, and
  /// special files (/proc, /sys) claim sizes of 0 or 4096 that are not their contents.
  static let smallestMapped: Int64 = 1 << 16

  /// A mapped reader of `fd` if it is a regular file of at least `smallest` bytes that can be
  /// mapped; nil otherwise (read it).
  static func open(fd: Int32, name: String, smallest: Int64 = smallestMapped) -> MappedFile? {
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
      Int64(info.st_size) >= max(1, smallest)
    else { return nil }
    // Some file systems cannot map: find out now, while reading instead is still possible.
    let probe = mmap(nil, Int(pageSize), PROT_READ, MAP_PRIVATE, fd, 0)
    guard let probe, probe != MAP_FAILED else { return nil }
    munmap(probe, Int(pageSize))
    let own = fcntl(fd, F_DUPFD_CLOEXEC, 0)
    guard own >= 0 else { return nil }
    MappingFault.watch(name)
    return MappedFile(fd: own, name: name, size: Int64(info.st_size))
  }

  private init(fd: Int32, name: String, size: Int64) {
    self.fd = fd
    self.name = name
    knownSize = size
  }

  deinit { POSIX.close(fd) }

  /// Advances by what a read of `limit` bytes would return: the new bytes' count, 0 at end of
  /// file.
  func advance(limit: Int) throws(RunError) -> Int {
    if position < 0 {
      let at = lseek(fd, 0, SEEK_CUR)
      position = at < 0 ? 0 : Int64(at)
    }
    if position >= knownSize {
      var info = stat()
      guard fstat(fd, &info) == 0 else {
        throw RunError("cannot read \(name): \(POSIX.errorText)")
      }
      knownSize = Int64(info.st_size)
    }
    let n = min(Int64(limit), knownSize - position)
    guard n > 0 else { return 0 }
    position += n
    // Where a read would have left the offset (a shell may read on from a shared stdin).
    _ = lseek(fd, off_t(position), SEEK_SET)
    return Int(n)
  }

  /// A mapping of the `count` bytes before the position: the partial line carried over and the
  /// bytes just advanced over.
  func mapping(last count: Int) throws(RunError) -> InputBytes {
    let start = position - Int64(count)
    let aligned = start - start % MappedFile.pageSize
    let length = Int(position - aligned)
    // Not MAP_POPULATE: the scanning thread populates it (`InputBytes.willRead`).
    guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(aligned)), p != MAP_FAILED
    else {
      throw RunError("cannot map \(name) into memory: \(POSIX.errorText)")
    }
    let skip = Int(start - aligned)
    return InputBytes(
      mapping: p, length: length, bytes: UnsafeRawBufferPointer(start: p + skip, count: count))
  }
}
