#if canImport(Glibc)
import Glibc
private let systemClose = Glibc.close
#elseif canImport(Musl)
import Musl
private let systemClose = Musl.close
#elseif canImport(Darwin)
import Darwin
private let systemClose = Darwin.close
#endif

/// The few system calls whose names clash with Swift methods.
enum POSIX {
  static func close(_ fd: Int32) {
    _ = systemClose(fd)
  }

  /// Expands a glob; a pattern without matches is returned as is (so that opening it reports
  /// a clear "no such file").
  static func expandGlob(_ pattern: String) -> [String] {
    guard pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) else { return [pattern] }
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [pattern] }
    var paths: [String] = []
    for i in 0..<Int(result.gl_pathc) {
      if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
    }
    return paths.sorted()
  }

  static var errorText: String { String(cString: strerror(errno)) }
}
