#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Connects `INSERT INTO 'tcp://host:port'` to its peer, retrying with backoff until it answers.
///
/// The peer (a collector, `nc -l`, a log shipper) may start after streamsql, so a refused or
/// unreachable connection is retried, 100 ms doubling to 5 s, each attempt said on stderr. A
/// stop request (SIGINT/SIGTERM) ends the wait. The socket stays blocking: when the peer reads
/// slowly, `write(2)` blocks, the reading of input waits, and TCP pushes back on the sources —
/// nothing is dropped or buffered without bound.
enum TCPConnector {
  static let firstDelayMillis = 100
  static let maxDelayMillis = 5000

  /// A connected, blocking socket.
  static func connect(host: String, port: Int, log: (String) -> Void = TCPConnector.stderr)
    throws(RunError) -> Int32
  {
    var delay = firstDelayMillis
    var attempt = 1
    while true {
      switch attemptConnect(host: host, port: port) {
      case .success(let fd):
        if attempt > 1 { log("streamsql: connected to tcp://\(host):\(port)") }
        return fd
      case .failure(let message, let permanent):
        if permanent { throw RunError("cannot connect to tcp://\(host):\(port): \(message)") }
        log(
          "streamsql: cannot connect to tcp://\(host):\(port) (\(message)); retrying in \(Double(delay) / 1000) s"
        )
      }
      if Signals.stopRequested {
        throw RunError("stopped while connecting to tcp://\(host):\(port)")
      }
      waitOrStop(milliseconds: delay)
      if Signals.stopRequested {
        throw RunError("stopped while connecting to tcp://\(host):\(port)")
      }
      delay = min(delay * 2, maxDelayMillis)
      attempt += 1
    }
  }

  private enum Attempt {
    case success(Int32)
    /// `permanent`: retrying cannot help (the host name does not resolve to anything usable).
    case failure(String, permanent: Bool)
  }

  private static func attemptConnect(host: String, port: Int) -> Attempt {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, String(port), &hints, &list)
    guard rc == 0, let first = list else {
      // A name server that is down fails temporarily; an unknown name does not.
      return .failure(String(cString: gai_strerror(rc)), permanent: rc != EAI_AGAIN)
    }
    defer { freeaddrinfo(list) }
    var lastError: Int32 = ECONNREFUSED
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
      entry = info.pointee.ai_next
      let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      if fd < 0 {
        lastError = errno
        continue
      }
      var result: Int32
      repeat {
        result = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
      } while result < 0 && errno == EINTR
      if result == 0 {
        var one: Int32 = 1
        // Rows are flushed in 64 KiB writes or when input would block: send them at once.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return .success(fd)
      }
      lastError = errno
      Glibc.close(fd)
    }
    return .failure(String(cString: strerror(lastError)), permanent: false)
  }

  /// Sleeps, waking early on SIGINT/SIGTERM through the signal pipe.
  private static func waitOrStop(milliseconds: Int) {
    var fds = [pollfd(fd: Signals.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
    _ = poll(&fds, Signals.wakeDescriptor >= 0 ? 1 : 0, Int32(milliseconds))
  }

  static func stderr(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
  }
}
