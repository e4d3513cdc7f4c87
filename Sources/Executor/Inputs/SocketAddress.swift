#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A source URL that names a socket, parsed; and the few socket calls the inputs share.
///
///     tcp://HOST:PORT          connect (reconnecting)
///     tcp-listen://HOST:PORT   listen; HOST may be empty: 127.0.0.1
///     unix:///path/to/socket   listen on a Unix socket
///
/// An IPv6 host is written in brackets: `tcp-listen://[::1]:9000`.
enum SocketAddress: Equatable {
  case connect(host: String, port: String)
  case listen(host: String, port: String)
  case unix(path: String)

  /// Whether `text` is a URL at all (it has a scheme), as opposed to a path.
  static func isURL(_ text: String) -> Bool { text.contains("://") }

  init(_ text: String) throws(RunError) {
    if text.hasPrefix("unix://") {
      let path = String(text.dropFirst("unix://".count))
      guard path.hasPrefix("/") || !path.isEmpty else {
        throw RunError("'\(text)': a Unix socket needs a path, e.g. unix:///tmp/events.sock")
      }
      // sun_path holds 108 bytes with the terminating NUL.
      guard path.utf8.count < 108 else {
        throw RunError("'\(text)': a Unix socket path must be shorter than 108 bytes")
      }
      self = .unix(path: path)
      return
    }
    let listening: Bool
    let rest: Substring
    if text.hasPrefix("tcp-listen://") {
      listening = true
      rest = text.dropFirst("tcp-listen://".count)
    } else if text.hasPrefix("tcp://") {
      listening = false
      rest = text.dropFirst("tcp://".count)
    } else {
      let scheme = text.prefix { $0 != ":" }
      throw RunError(
        "'\(text)': unknown source scheme '\(scheme)' (tcp://HOST:PORT, tcp-listen://HOST:PORT, unix:///path)"
      )
    }
    var host: Substring
    var port: Substring
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":")
      else {
        throw RunError("'\(text)': expected [IPV6]:PORT")
      }
      host = rest[rest.index(after: rest.startIndex)..<close]
      port = rest[rest.index(close, offsetBy: 2)...]
    } else {
      guard let colon = rest.lastIndex(of: ":") else {
        throw RunError("'\(text)': expected HOST:PORT")
      }
      host = rest[..<colon]
      port = rest[rest.index(after: colon)...]
    }
    if port.hasSuffix("/") { port = port.dropLast() }
    guard let number = Int(port), (0...65535).contains(number) else {
      throw RunError("'\(text)': '\(port)' is not a port number")
    }
    if listening {
      if host.isEmpty { host = "127.0.0.1" }
      self = .listen(host: String(host), port: String(number))
    } else {
      guard !host.isEmpty, number > 0 else {
        throw RunError("'\(text)': tcp:// needs a host and a port, e.g. tcp://127.0.0.1:9000")
      }
      self = .connect(host: String(host), port: String(number))
    }
  }

  /// The addresses `host:port` resolves to, for a stream socket; `passive` for binding.
  static func resolve(host: String, port: String, passive: Bool) throws(RunError) -> [(
    family: Int32, address: [UInt8]
  )] {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = passive ? AI_PASSIVE : 0
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, port, &hints, &list)
    guard status == 0, let first = list else {
      throw RunError("cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
    }
    defer { freeaddrinfo(first) }
    var result: [(Int32, [UInt8])] = []
    var p: UnsafeMutablePointer<addrinfo>? = first
    while let info = p {
      let bytes = UnsafeRawBufferPointer(
        start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen))
      result.append((info.pointee.ai_family, Array(bytes)))
      p = info.pointee.ai_next
    }
    return result
  }

  /// A new non-blocking, close-on-exec stream socket.
  static func makeSocket(family: Int32) throws(RunError) -> Int32 {
    let fd = socket(
      family,
      Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw RunError("cannot create a socket: \(POSIX.errorText)") }
    return fd
  }

  /// A `sockaddr_un` for `path`, as bytes.
  static func unixAddress(_ path: String) -> [UInt8] {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
    }
    return withUnsafeBytes(of: &address) { Array($0) }
  }

  /// Calls `body` with `bytes` as a `sockaddr` pointer and its length.
  static func withSockaddr<R>(_ bytes: [UInt8], _ body: (UnsafePointer<sockaddr>, socklen_t) -> R)
    -> R
  {
    bytes.withUnsafeBytes { raw in
      body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
    }
  }
}
