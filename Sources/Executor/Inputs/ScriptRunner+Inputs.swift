#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ScriptRunner {
  /// The input a source URL names: a reconnecting client, or a listener.
  static func openSocket(_ url: String) throws(RunError) -> any Input {
    let address = try SocketAddress(url)
    switch address {
    case .connect(let host, let port): return TCPClientInput(name: url, host: host, port: port)
    case .listen, .unix: return try SocketListener(name: url, address: address)
    }
  }

  /// `--follow` follows regular files only: a FIFO or device already waits for more.
  static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }
}
