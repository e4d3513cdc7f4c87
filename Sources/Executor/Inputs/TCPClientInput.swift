#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `tcp://HOST:PORT`: connects and reads; when the connection fails or closes, reconnects with
/// exponential backoff (0.1 s doubling up to 5 s, back to 0.1 s once data arrives), saying so on
/// stderr each time. It never ends by itself: SIGINT or SIGTERM end it. (To end when the server
/// closes, read through a pipe instead: `nc HOST PORT | streamsql ...`.)
///
/// Each connection is its own byte stream: a connection that closes mid-line yields one bad
/// line, never half a row glued to the next connection's first line. Connecting never blocks
/// the loop: the socket is non-blocking and a pending connect is polled for writability.
final class TCPClientInput: Input {
  private enum State {
    /// Not connected; the next attempt is due at this monotonic time (ms).
    case waiting(until: Int64)
    case connecting(Int32)
    case connected(Int32)
  }

  let name: String
  private let host: String
  private let port: String
  private var state: State = .waiting(until: 0)
  private var stream = 0
  private var delayMillis: Int64 = TCPClientInput.firstDelayMillis
  /// Which of the resolved addresses the next attempt uses: each failure tries the next one.
  private var attempt = 0
  private(set) var finished = false

  static let firstDelayMillis: Int64 = 100
  static let maxDelayMillis: Int64 = 5000

  init(name: String, host: String, port: String) {
    self.name = name
    self.host = host
    self.port = port
  }

  func isReady() -> Bool {
    switch state {
    case .waiting(let until): return !finished && Clock.monotonicMillis() >= until
    case .connecting, .connected: return pollNow(pollRequests())
    }
  }

  func next(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> InputEvent {
    switch state {
    case .waiting(let until):
      guard Clock.monotonicMillis() >= until else { return .idle }
      startConnecting()
      return .idle
    case .connecting(let fd):
      var error: Int32 = 0
      var length = socklen_t(MemoryLayout<Int32>.size)
      if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
      if error == 0 {
        connected(fd)
      } else {
        POSIX.close(fd)
        retry("cannot connect (\(String(cString: strerror(error))))")
      }
      return .idle
    case .connected(let fd):
      let n = read(fd, buffer.baseAddress, buffer.count)
      if n > 0 {
        // Backoff starts over only once a connection delivered data, so a server that accepts
        // and closes at once is not hammered every 0.1 s.
        delayMillis = TCPClientInput.firstDelayMillis
        return .data(count: n, stream: stream)
      }
      if n < 0 && (errno == EINTR || errno == EAGAIN) { return .idle }
      let why = n == 0 ? "connection closed by the server" : "connection lost (\(POSIX.errorText))"
      POSIX.close(fd)
      let ended = stream
      stream += 1
      retry(why)
      return .streamEnded(stream: ended, tornIsBad: true)
    }
  }

  private func startConnecting() {
    let addresses: [(family: Int32, address: [UInt8])]
    do {
      addresses = try SocketAddress.resolve(host: host, port: port, passive: false)
    } catch {
      retry(error.message)
      return
    }
    let target = addresses[attempt % addresses.count]
    attempt += 1
    let fd: Int32
    do {
      fd = try SocketAddress.makeSocket(family: target.family)
    } catch {
      retry(error.message)
      return
    }
    let status = SocketAddress.withSockaddr(target.address) { connect(fd, $0, $1) }
    if status == 0 {
      connected(fd)
    } else if errno == EINPROGRESS || errno == EINTR {
      state = .connecting(fd)
    } else {
      let why = "cannot connect (\(POSIX.errorText))"
      POSIX.close(fd)
      retry(why)
    }
  }

  private func connected(_ fd: Int32) {
    state = .connected(fd)
    attempt = 0
    InputLog.say("\(name): connected")
  }

  private func retry(_ why: String) {
    InputLog.say("\(name): \(why); reconnecting in \(TCPClientInput.seconds(delayMillis))")
    state = .waiting(until: Clock.monotonicMillis() + delayMillis)
    delayMillis = min(delayMillis * 2, TCPClientInput.maxDelayMillis)
  }

  static func seconds(_ millis: Int64) -> String {
    millis % 1000 == 0 ? "\(millis / 1000)s" : "\(Double(millis) / 1000)s"
  }

  func pollRequests() -> [pollfd] {
    switch state {
    case .waiting: return []
    case .connecting(let fd): return [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)]
    case .connected(let fd): return [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
    }
  }

  func wakeAfterMillis() -> Int32? {
    guard case .waiting(let until) = state else { return nil }
    return Int32(clamping: max(0, until - Clock.monotonicMillis()))
  }

  func close() {
    guard !finished else { return }
    finished = true
    switch state {
    case .connecting(let fd), .connected(let fd): POSIX.close(fd)
    case .waiting: break
    }
    state = .waiting(until: .max)
  }
}
