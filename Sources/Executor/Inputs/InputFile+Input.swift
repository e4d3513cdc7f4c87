#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain input (stdin, a file, a gzip file) is one byte stream that ends at end of file.
extension InputFile: Input {
  func next(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> InputEvent {
    if isRegularFile {
      let ahead =
        readAhead
        ?? ReadAhead(
          fd: fd, headroom: SourceReader.headroom, readBytes: buffer.count,
          firstLimit: nextReadLimit)
      readAhead = ahead
      nextReadLimit = nil
      switch ahead.next() {
      case .data(let filled, let count): return .filled(filled, pool: ahead.pool, count: count)
      case .end: return .ended
      case .failed(let code):
        throw RunError("cannot read \(name): \(String(cString: strerror(code)))")
      }
    }
    guard let n = try read(into: buffer) else { return .idle }
    if n == 0 {
      try checkDecompressed()
      return .ended
    }
    return .data(count: n, stream: 0)
  }

  func pollRequests() -> [pollfd] { [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)] }

  func wakeAfterMillis() -> Int32? { nil }
}
