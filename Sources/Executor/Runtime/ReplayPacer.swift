#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Holds rows back so that event time passes `speed` times as fast as the wall clock
/// (`--replay-speed`).
///
/// One pacer is shared by every query of a run. The schedule is absolute: the first row seen
/// anchors event time t₀ to wall time w₀, and a row at event time t is released no earlier than
/// w₀ + (t − t₀) / speed. So a row that several queries apply waits once, an out-of-order row
/// (t below the largest so far) does not wait, and sleeping late never accumulates drift.
final class ReplayPacer {
  private let speed: Double
  private var anchor: (event: Int64, wallMicros: Int64)?
  private var largest = Int64.min

  init(speed: Double) {
    self.speed = speed
  }

  /// Microseconds to wait before releasing a row at event time `t`, 0 if none; anchors the
  /// schedule on the first call.
  func delayMicros(for t: Int64) -> Int64 {
    guard let anchor else {
      self.anchor = (t, Clock.monotonicMicros())
      largest = t
      return 0
    }
    guard t > largest else { return 0 }
    largest = t
    let offset = Double(t &- anchor.event) * 1000 / speed
    guard offset.isFinite, offset < 9e15 else { return Int64.max / 4 }
    let due = anchor.wallMicros &+ Int64(offset)
    return max(0, due - Clock.monotonicMicros())
  }

  /// Sleeps for `micros`, in steps so that SIGINT/SIGTERM still ends a slow replay promptly.
  static func sleep(micros: Int64) {
    var left = micros
    while left > 0 && !Signals.stopRequested {
      let step = min(left, 100_000)
      var request = timespec(tv_sec: Int(step / 1_000_000), tv_nsec: Int((step % 1_000_000) * 1000))
      _ = nanosleep(&request, nil)
      left -= step
    }
  }
}
