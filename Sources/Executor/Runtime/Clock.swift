#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall and monotonic clocks without Foundation.
enum Clock {
  /// Milliseconds since the Unix epoch.
  static func wallMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// Microseconds on a clock that never jumps, for latencies.
  static func monotonicMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
  }
}

extension Clock {
  /// Milliseconds on a clock that never jumps, for timeouts.
  static func monotonicMillis() -> Int64 { monotonicMicros() / 1000 }
}
