import Foundation

/// A running `streamsql` whose stdout and stderr are read without blocking, for the source
/// tests: they wait for what it prints ("listening on ...", rows) with timeouts, never sleeps.
final class SourceChild {
  let process = Process()
  private let stdout = Pipe()
  private let stderr = Pipe()
  private(set) var outText = Data()
  private(set) var errText = Data()
  /// Lines of stdout already returned by `nextLine`.
  private var consumed = 0

  init(_ arguments: [String], in directory: URL? = nil) throws {
    process.executableURL = StreamsqlBinary.url
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdout
    process.standardError = stderr
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    try process.run()
    for pipe in [stdout, stderr] {
      let fd = pipe.fileHandleForReading.fileDescriptor
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
  }

  var errorText: String { String(decoding: errText, as: UTF8.self) }

  var lines: [String] {
    String(decoding: outText, as: UTF8.self).split(separator: "\n").map(String.init)
  }

  /// Reads what both pipes hold, waiting up to `millis` for something to arrive.
  private func pump(millis: Int32) {
    var fds = [stdout, stderr].map {
      pollfd(fd: $0.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
    }
    guard poll(&fds, 2, millis) > 0 else { return }
    var chunk = [UInt8](repeating: 0, count: 65536)
    for (k, pipe) in [stdout, stderr].enumerated() where fds[k].revents != 0 {
      while true {
        let n = read(pipe.fileHandleForReading.fileDescriptor, &chunk, chunk.count)
        if n <= 0 { break }
        if k == 0 {
          outText.append(contentsOf: chunk[0..<n])
        } else {
          errText.append(contentsOf: chunk[0..<n])
        }
      }
    }
  }

  /// Waits (at most `timeout` seconds) until `condition` holds; false on timeout.
  @discardableResult
  func wait(timeout: TimeInterval = 30, until condition: (SourceChild) -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition(self) {
      if Date() > deadline { return false }
      pump(millis: 50)
    }
    return true
  }

  /// Waits until stderr contains `text` `count` times.
  @discardableResult
  func waitForStderr(_ text: String, count: Int = 1, timeout: TimeInterval = 30) -> Bool {
    wait(timeout: timeout) { $0.errorText.components(separatedBy: text).count - 1 >= count }
  }

  /// The next complete stdout line, waiting at most `timeout` seconds.
  func nextLine(timeout: TimeInterval = 30) -> String? {
    guard wait(timeout: timeout, until: { $0.completeLines.count > $0.consumed }) else {
      return nil
    }
    consumed += 1
    return completeLines[consumed - 1]
  }

  private var completeLines: [String] {
    guard let last = outText.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
    return String(decoding: outText[...last], as: UTF8.self).split(separator: "\n").map(String.init)
  }

  /// Sends `signal` and waits for the exit status (nil if it did not exit in time).
  func stop(_ signal: Int32 = SIGINT, timeout: TimeInterval = 30) -> Int32? {
    kill(process.processIdentifier, signal)
    guard wait(timeout: timeout, until: { !$0.process.isRunning }) else { return nil }
    pump(millis: 0)
    pump(millis: 0)
    return process.terminationStatus
  }

  /// The port in "listening on ... (port N)".
  var listeningPort: UInt16? {
    guard let r = errorText.range(of: "(port ") else { return nil }
    return UInt16(errorText[r.upperBound...].prefix { $0.isNumber })
  }

  deinit {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
  }
}

/// Plain loopback sockets for the tests: clients, and a tiny server for `tcp://`.
enum TestSocket {
  static func ipv4(_ port: UInt16) -> sockaddr_in {
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = port.bigEndian
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    return a
  }

  /// A free loopback port: bind port 0, read the number, close.
  static func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var a = ipv4(0)
    _ = withUnsafePointer(to: &a) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &a) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: a.sin_port)
  }

  /// Whether something accepts TCP connections on 127.0.0.1:`port` now (one try).
  static func acceptsConnections(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var a = ipv4(port)
    return withUnsafePointer(to: &a) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    } == 0
  }

  /// Connects to 127.0.0.1:port, retrying until `timeout` (the listener may not be up yet).
  static func connect(port: UInt16, timeout: TimeInterval = 20) -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var a = ipv4(port)
      let ok = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      if ok == 0 { return fd }
      close(fd)
      var none = pollfd()
      _ = poll(&none, 0, 20)
    }
    return nil
  }

  /// Connects to a Unix socket.
  static func connect(unixPath path: String) -> Int32? {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var a = unixAddress(path)
    let ok = withUnsafePointer(to: &a) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    if ok == 0 { return fd }
    close(fd)
    return nil
  }

  static func unixAddress(_ path: String) -> sockaddr_un {
    var a = sockaddr_un()
    a.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &a.sun_path) { raw in
      for (i, b) in path.utf8.enumerated() { raw[i] = b }
    }
    return a
  }

  /// A listening socket on 127.0.0.1:port (SO_REUSEADDR, so a restart can take the port again).
  static func listen(port: UInt16) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var a = ipv4(port)
    let ok = withUnsafePointer(to: &a) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    precondition(ok == 0, "cannot bind 127.0.0.1:\(port)")
    Glibc.listen(fd, 8)
    return fd
  }

  /// Accepts one client, waiting at most `timeout` seconds.
  static func accept(_ listener: Int32, timeout: TimeInterval = 20) -> Int32? {
    var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
    guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return nil }
    let fd = Glibc.accept(listener, nil, nil)
    return fd >= 0 ? fd : nil
  }

  static func send(_ fd: Int32, _ text: String) {
    send(fd, Array(text.utf8))
  }

  static func send(_ fd: Int32, _ bytes: [UInt8]) {
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      precondition(n > 0, "send failed: \(String(cString: strerror(errno)))")
      sent += n
    }
  }
}
