#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--metrics HOST:PORT`: a tiny HTTP/1.1 server on its own thread that answers `GET /metrics`
/// with the latest `MetricsSnapshot` in the Prometheus text format.
///
/// Plain POSIX sockets: one connection at a time, one request per connection
/// (`Connection: close`), a 2-second receive timeout so a silent client cannot stall scrapes.
/// swift-prometheus was not used: it keeps counters that the hot path would have to update
/// through locks or atomics, while the run already counts everything on its own thread and only
/// needs to hand over a snapshot now and then; and it brings no HTTP server anyway.
///
/// The run thread calls `publish(_:)`; the server thread reads the snapshot under the same lock.
public final class MetricsServer: @unchecked Sendable {
  /// The address actually bound (the port filled in when 0 was asked for).
  public let host: String
  public let port: Int
  private let listener: Int32
  /// Allocated once so that it never moves, as a pthread mutex must not.
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var snapshot = MetricsSnapshot()
  private var stopping = false
  private var thread: pthread_t?

  /// Binds and listens on `host:port` and starts serving; throws when the address is taken or
  /// cannot be resolved.
  public init(host: String, port: Int) throws(RunError) {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw RunError(
        "--metrics: cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
    }
    defer { freeaddrinfo(first) }
    var fd: Int32 = -1
    var failure = "no address"
    var node: UnsafeMutablePointer<addrinfo>? = first
    while let a = node {
      node = a.pointee.ai_next
      let s = socket(
        a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
        a.pointee.ai_protocol)
      guard s >= 0 else { continue }
      var one: Int32 = 1
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
      if bind(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 && listen(s, 16) == 0 {
        fd = s
        break
      }
      failure = String(cString: strerror(errno))
      Glibc.close(s)
    }
    guard fd >= 0 else { throw RunError("--metrics: cannot listen on \(host):\(port): \(failure)") }
    listener = fd
    self.host = host
    self.port = MetricsServer.boundPort(fd) ?? port
    pthread_mutex_init(mutex, nil)
    let unmanaged = Unmanaged.passRetained(self)
    var t = pthread_t()
    let created = pthread_create(
      &t, nil,
      { context in
        let server = Unmanaged<MetricsServer>.fromOpaque(context!).takeRetainedValue()
        server.serve()
        return nil
      }, unmanaged.toOpaque())
    guard created == 0 else {
      unmanaged.release()
      Glibc.close(fd)
      throw RunError("--metrics: cannot start the server thread")
    }
    thread = t
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Replaces the snapshot that scrapes see.
  public func publish(_ next: MetricsSnapshot) {
    pthread_mutex_lock(mutex)
    snapshot = next
    pthread_mutex_unlock(mutex)
  }

  /// Stops accepting, waits for the thread, closes the socket.
  public func stop() {
    pthread_mutex_lock(mutex)
    let already = stopping
    stopping = true
    pthread_mutex_unlock(mutex)
    guard !already else { return }
    if let thread { pthread_join(thread, nil) }
    Glibc.close(listener)
  }

  private var isStopping: Bool {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return stopping
  }

  private func current() -> MetricsSnapshot {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return snapshot
  }

  /// The accept loop; wakes every 100 ms to notice `stop()`.
  private func serve() {
    while !isStopping {
      var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&p, 1, 100) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      var timeout = timeval(tv_sec: 2, tv_usec: 0)
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      respond(on: client)
      Glibc.close(client)
    }
  }

  private func respond(on client: Int32) {
    guard let head = readRequestHead(client) else { return }
    let requestLine = head.split(separator: "\r\n", maxSplits: 1).first ?? ""
    let parts = requestLine.split(separator: " ")
    let method = parts.first.map(String.init) ?? ""
    let target = parts.count > 1 ? String(parts[1]) : ""
    let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
    switch (method, path) {
    case ("GET", "/metrics"), ("HEAD", "/metrics"):
      let body = current().render(nowMillis: Clock.wallMillis())
      send(
        client, status: "200 OK", type: "text/plain; version=0.0.4; charset=utf-8", body: body,
        head: method == "HEAD")
    case ("GET", "/"):
      send(
        client, status: "200 OK", type: "text/plain; charset=utf-8",
        body: "streamsql: metrics at /metrics\n")
    case ("GET", _), ("HEAD", _):
      send(
        client, status: "404 Not Found", type: "text/plain; charset=utf-8",
        body: "not found; try /metrics\n")
    default:
      send(
        client, status: "405 Method Not Allowed", type: "text/plain; charset=utf-8",
        body: "only GET\n")
    }
  }

  /// Bytes up to the blank line ending the request head (at most 16 KiB), or nil.
  private func readRequestHead(_ client: Int32) -> String? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 16 << 10 {
      let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { return nil }
      bytes += chunk[0..<n]
      if let text = String(validating: bytes, as: UTF8.self),
        text.contains("\r\n\r\n") || text.contains("\n\n")
      {
        return text
      }
    }
    return nil
  }

  private func send(_ client: Int32, status: String, type: String, body: String, head: Bool = false)
  {
    let payload = Array(body.utf8)
    var response = Array(
      ("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\n"
        + "Connection: close\r\n\r\n").utf8)
    if !head { response += payload }
    response.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = Glibc.send(
          client, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        offset += n
      }
    }
  }

  private static func boundPort(_ fd: Int32) -> Int? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let ok = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { return nil }
    switch Int32(storage.ss_family) {
    case AF_INET:
      return withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
          Int(UInt16(bigEndian: $0.pointee.sin_port))
        }
      }
    case AF_INET6:
      return withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
          Int(UInt16(bigEndian: $0.pointee.sin6_port))
        }
      }
    default: return nil
    }
  }

  /// Splits `HOST:PORT`, `:PORT`, `PORT` or `[v6]:PORT`; the host defaults to 127.0.0.1.
  public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
    var host = "127.0.0.1"
    var portText = Substring(text)
    if let colon = text.lastIndex(of: ":") {
      var h = text[..<colon]
      if h.hasPrefix("["), h.hasSuffix("]") { h = h.dropFirst().dropLast() }
      if !h.isEmpty { host = String(h) }
      portText = text[text.index(after: colon)...]
    }
    guard let port = Int(portText), (0...65535).contains(port) else { return nil }
    return (host, port)
  }
}
