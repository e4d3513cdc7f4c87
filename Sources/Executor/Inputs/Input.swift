#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What one step of reading an input produced.
enum InputEvent {
  /// `count` bytes at the start of the buffer, belonging to byte stream `stream`.
  case data(count: Int, stream: Int)
  /// `count` bytes read ahead into `buffer` of `pool`, `SourceReader.headroom` bytes in, of the
  /// input's only byte stream (a regular file, `ReadAhead`): the buffer is handed over.
  case filled(PieceBufferPool.Buffer, pool: PieceBufferPool, count: Int)
  /// Byte stream `stream` ended while the input goes on: a socket connection closed, a followed
  /// file was rotated or truncated. Its unterminated last line, if any, is a whole line when
  /// `tornIsBad` is false (a file's last line) and one bad line when true (a connection that
  /// closed mid-line).
  case streamEnded(stream: Int, tornIsBad: Bool)
  /// The input ended for good (end of file, end of stdin).
  case ended
  /// Nothing to do now.
  case idle
}

/// One input of a source, as the reading loop sees it: a file, stdin, a followed file, a TCP
/// connection that reconnects, or a listening socket with its clients.
///
/// An input may carry several byte streams (a listener's connections, a followed file's
/// successive inodes); each is cut into lines on its own, so lines of different streams are
/// never mixed. For the watermark, an input counts as one.
///
/// Inputs are read without blocking: the loop reads only while it has room for more pieces
/// (`ScriptRunner.maxInflight`), so an unread socket fills and TCP pushes back.
protocol Input: AnyObject {
  /// For messages: `stdin`, a path or a URL.
  var name: String { get }
  /// True once the input ended or was closed.
  var finished: Bool { get }
  /// True when `next(into:)` may have something to do without blocking.
  func isReady() -> Bool
  /// Reads at most one buffer's worth, or handles one state change.
  func next(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> InputEvent
  /// The descriptors to wait on while nothing is ready.
  func pollRequests() -> [pollfd]
  /// The longest the loop may wait before calling `isReady()` again (a followed file checks
  /// for growth, a reconnect is due); nil: only descriptors wake it.
  func wakeAfterMillis() -> Int32?
  func close()
}

/// Messages about inputs (reconnects, rotation) go to stderr at once, each as one line.
enum InputLog {
  static func say(_ text: String) {
    var line = Array(("streamsql: " + text + "\n").utf8)
    _ = write(2, &line, line.count)
  }
}

/// One poll(2) with a zero timeout: whether any of `requests` is ready.
func pollNow(_ requests: [pollfd]) -> Bool {
  guard !requests.isEmpty else { return false }
  var fds = requests
  return poll(&fds, nfds_t(fds.count), 0) > 0
}
