#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `tcp-listen://HOST:PORT` and `unix:///path`: listens and reads every client at once.
///
/// All clients feed the same source and count as one input for the watermark (event time
/// makes the result independent of how their lines interleave). Each connection is its own
/// byte stream with its own line framing, so lines of different clients are never mixed, and a
/// client that disconnects mid-line yields one bad line. The listener never ends by itself:
/// SIGINT or SIGTERM end it.
///
/// Reads go round-robin over the readable clients, one buffer per call, and only when the
/// loop has room for more pieces: an unread client's socket buffer fills and TCP (or the Unix
/// socket) makes it wait. Nothing is buffered per client beyond its unfinished line.
final class SocketListener: Input {
  let name: String
  private let listener: Int32
  /// The socket file to remove at close (Unix sockets).
  private let socketPath: String?
  private var clients: [(fd: Int32, stream: Int)] = []
  private var nextStream = 0
  private var cursor = 0
  private(set) var finished = false

  init(name: String, address: SocketAddress) throws(RunError) {
    self.name = name
    switch address {
    case .listen(let host, let port):
      let addresses = try SocketAddress.resolve(host: host, port: port, passive: true)
      var lastError = "no address"
      var bound: Int32 = -1
      for target in addresses {
        let fd = try SocketAddress.makeSocket(family: target.family)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if SocketAddress.withSockaddr(target.address, { bind(fd, $0, $1) }) == 0
          && listen(fd, 128) == 0
        {
          bound = fd
          break
        }
        lastError = POSIX.errorText
        POSIX.close(fd)
      }
      guard bound >= 0 else { throw RunError("cannot listen on \(name): \(lastError)") }
      listener = bound
      socketPath = nil
      InputLog.say(
        "listening on \(name)" + (port == "0" ? " (port \(SocketListener.boundPort(bound)))" : ""))
    case .unix(let path):
      try SocketListener.removeStaleSocket(path, name: name)
      let fd = try SocketAddress.makeSocket(family: AF_UNIX)
      let address = SocketAddress.unixAddress(path)
      guard SocketAddress.withSockaddr(address, { bind(fd, $0, $1) }) == 0, listen(fd, 128) == 0
      else {
        let why = POSIX.errorText
        POSIX.close(fd)
        throw RunError("cannot listen on \(name): \(why)")
      }
      listener = fd
      socketPath = path
      InputLog.say("listening on \(name)")
    case .connect:
      throw RunError("\(name) is not a listening address")
    }
  }

  /// The port a TCP socket is bound to (the one the system chose for port 0).
  static func boundPort(_ fd: Int32) -> Int {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    // sin_port and sin6_port sit at the same offset, in network byte order.
    return withUnsafeBytes(of: &storage) { Int($0[2]) << 8 | Int($0[3]) }
  }

  /// A socket file left by a process that died is removed; one that a live process still
  /// listens on, or a file that is not a socket, is an error.
  private static func removeStaleSocket(_ path: String, name: String) throws(RunError) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard (info.st_mode & S_IFMT) == S_IFSOCK else {
      throw RunError("cannot listen on \(name): '\(path)' exists and is not a socket")
    }
    let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { if probe >= 0 { POSIX.close(probe) } }
    if probe >= 0,
      SocketAddress.withSockaddr(SocketAddress.unixAddress(path), { connect(probe, $0, $1) }) == 0
    {
      throw RunError("cannot listen on \(name): another process is listening there")
    }
    unlink(path)
    InputLog.say("\(name): removed a stale socket file")
  }

  func isReady() -> Bool { !finished && pollNow(pollRequests()) }

  func next(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> InputEvent {
    acceptPending()
    guard !clients.isEmpty else { return .idle }
    var fds = clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
    guard poll(&fds, nfds_t(fds.count), 0) > 0 else { return .idle }
    for step in 0..<clients.count {
      let k = (cursor + step) % clients.count
      guard fds[k].revents != 0 else { continue }
      cursor = k + 1
      let client = clients[k]
      let n = read(client.fd, buffer.baseAddress, buffer.count)
      if n > 0 { return .data(count: n, stream: client.stream) }
      if n < 0 && (errno == EINTR || errno == EAGAIN) { return .idle }
      // Closed (or reset): its unfinished line, if any, is one bad line.
      POSIX.close(client.fd)
      clients.remove(at: k)
      return .streamEnded(stream: client.stream, tornIsBad: true)
    }
    return .idle
  }

  private func acceptPending() {
    while true {
      let fd = accept(listener, nil, nil)
      guard fd >= 0 else {
        if errno == EINTR || errno == ECONNABORTED { continue }
        if errno != EAGAIN && errno != EWOULDBLOCK {
          InputLog.say("\(name): cannot accept a client: \(POSIX.errorText)")
        }
        return
      }
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      clients.append((fd, nextStream))
      nextStream += 1
    }
  }

  func pollRequests() -> [pollfd] {
    [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
      + clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
  }

  func wakeAfterMillis() -> Int32? { nil }

  func close() {
    guard !finished else { return }
    finished = true
    for client in clients { POSIX.close(client.fd) }
    clients = []
    POSIX.close(listener)
    if let socketPath { unlink(socketPath) }
  }
}
