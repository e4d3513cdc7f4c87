#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A one-line progress bar on stderr while regular files are read: bytes read of the total, the
/// rate, and the time left.
///
///     [#############...............]  45%  123.4 MB / 274.1 MB  56.7 MB/s  ETA 3s
///
/// Redrawn in place with `\r` at most 10 times a second (drawing is a syscall and a terminal
/// repaint; more often only flickers), and erased at the end so that the warnings and `--stats`
/// that follow start on a clean line. The caller decides whether to show it at all (stderr a
/// terminal, stdout not the same terminal, no `--no-progress`).
final class ProgressBar {
  let totalBytes: Int
  private let fd: Int32
  private let startedMicros: Int64
  private var lastDrawMicros: Int64 = 0
  private var drawn = false

  static let minimumIntervalMicros: Int64 = 100_000

  init(totalBytes: Int, fd: Int32 = 2) {
    self.totalBytes = totalBytes
    self.fd = fd
    startedMicros = Clock.monotonicMicros()
  }

  /// Redraws if 100 ms passed since the last drawing (or `force`).
  func update(bytesRead: Int, force: Bool = false) {
    let now = Clock.monotonicMicros()
    guard force || now - lastDrawMicros >= Self.minimumIntervalMicros else { return }
    lastDrawMicros = now
    let line = Self.line(
      bytesRead: bytesRead, totalBytes: totalBytes, elapsedMicros: now - startedMicros,
      width: terminalWidth())
    write("\r" + line + "\u{1B}[K")
    drawn = true
  }

  /// Erases the bar, if drawn.
  func clear() {
    guard drawn else { return }
    write("\r\u{1B}[K")
    drawn = false
  }

  /// The bar's text, at most `width - 1` columns.
  static func line(bytesRead: Int, totalBytes: Int, elapsedMicros: Int64, width: Int) -> String {
    let total = max(1, totalBytes)
    let done = min(bytesRead, total)
    let fraction = Double(done) / Double(total)
    let seconds = Double(max(1, elapsedMicros)) / 1_000_000
    let rate = Double(bytesRead) / seconds
    var eta = "--"
    if rate > 0 && bytesRead > 0 { eta = duration(Double(total - done) / rate) }
    let percent = String(Int(fraction * 100))
    let tail =
      " \(String(repeating: " ", count: max(0, 3 - percent.count)))\(percent)%  \(bytes(done)) / \(bytes(total))  \(bytes(Int(rate)))/s  ETA \(eta)"
    let barWidth = max(10, min(40, width - 1 - tail.count - 2))
    let filled = min(barWidth, Int(fraction * Double(barWidth)))
    let bar =
      "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
      + "]"
    let text = bar + tail
    return text.count < width ? text : String(text.prefix(max(0, width - 1)))
  }

  /// `812 B`, `12.3 kB`, `123.4 MB`, `1.2 GB` (powers of 1000, as `--stats` MB/s).
  static func bytes(_ n: Int) -> String {
    if n < 1000 { return "\(n) B" }
    let units = ["kB", "MB", "GB", "TB"]
    var v = Double(n) / 1000
    var i = 0
    while v >= 1000 && i < units.count - 1 {
      v /= 1000
      i += 1
    }
    return "\(Double(Int(v * 10)) / 10) \(units[i])"
  }

  /// `3s`, `2m05s`, `1h02m`.
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let s = Int(seconds.rounded(.up))
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(s % 60 < 10 ? "0" : "")\(s % 60)s" }
    return "\(s / 3600)h\((s % 3600) / 60 < 10 ? "0" : "")\((s % 3600) / 60)m"
  }

  private func terminalWidth() -> Int {
    var size = winsize()
    if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
    return 80
  }

  private func write(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes {
        Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset)
      }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { return }
      offset += n
    }
  }
}
