import Foundation

/// A TCP server on 127.0.0.1 that accepts one connection and collects its lines until the peer
/// closes it: the far end of `INSERT INTO 'tcp://...'` in tests.
final class LineServer: @unchecked Sendable {
  let port: Int
  private let listener: Int32
  private let lock = NSLock()
  private var data = Data()
  private var closed = false

  /// Listens on `port` (0: any free port) and accepts on a background thread.
  init(port: Int = 0) throws {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.listener = listener
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(listener, 8) == 0 else { throw CocoaError(.fileWriteUnknown) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    self.port = Int(UInt16(bigEndian: address.sin_port))
    Thread { [self] in serve() }.start()
  }

  private func serve() {
    let connection = accept(listener, nil, nil)
    guard connection >= 0 else { return }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = read(connection, &buffer, buffer.count)
      if n <= 0 { break }
      lock.withLock { data.append(contentsOf: buffer[0..<n]) }
    }
    close(connection)
    lock.withLock { closed = true }
  }

  func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  /// The lines received, once the peer has closed the connection; nil after `timeout` seconds.
  func waitForClose(timeout: TimeInterval) -> [String]? {
    defer { stop() }
    let done = poll(timeout: timeout) { lock.withLock { closed ? true : nil } }
    guard done == true else { return nil }
    return lock.withLock {
      String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
  }
}
