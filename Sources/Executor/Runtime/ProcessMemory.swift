#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process's own memory use, as the kernel counts it, for `--stats`.
///
/// Linux reports the peak resident set size as `VmHWM` in `/proc/self/status`; elsewhere (or if
/// the file cannot be read) the answer is nil and `--stats` prints 0.
enum ProcessMemory {
  /// The peak resident set size in bytes.
  static func peakResidentBytes() -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
      let text = String(
        decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      guard text.hasPrefix("VmHWM:") else { continue }
      // "VmHWM:     12345 kB"
      let digits = text.dropFirst(6).filter { $0.isNumber }
      return Int(digits).map { $0 * 1024 }
    }
    return nil
  }
}
