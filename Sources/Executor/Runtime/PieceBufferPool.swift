#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffers for the pieces of an input that is read (a pipe, a socket, a gzip file), reused from
/// piece to piece.
///
/// Each read used to become a freshly allocated array: at a megabyte a read, that is a fresh
/// allocation, its page faults and its zero-filling for every megabyte of input. Pieces are
/// scanned on worker threads and give their buffer back once scanned (`InputBytes.release`),
/// so a handful of buffers serve a whole run. Buffers are not zero-initialised: a piece's bytes
/// are always written before they are read.
///
/// At most `maxIdle` buffers are kept; a buffer much larger than a read (one that held a long
/// line) is freed rather than kept, so memory stays bounded by the pieces in flight.
final class PieceBufferPool: @unchecked Sendable {
  /// A buffer of `capacity` bytes at `start`.
  struct Buffer {
    let start: UnsafeMutableRawPointer
    let capacity: Int
  }

  /// The size of a buffer made for a small piece: one read's worth, so that it can be reused.
  let usualCapacity: Int
  private let maxIdle: Int
  private var idle: [Buffer] = []
  /// Allocated, so that its address is stable (pthread mutexes must not move).
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

  init(usualCapacity: Int, maxIdle: Int = 4) {
    self.usualCapacity = usualCapacity
    self.maxIdle = maxIdle
    idle.reserveCapacity(maxIdle)
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    for buffer in idle { buffer.start.deallocate() }
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// A buffer of at least `count` bytes, reused when one is idle.
  func take(atLeast count: Int) -> Buffer {
    pthread_mutex_lock(mutex)
    if let i = idle.lastIndex(where: { $0.capacity >= count }) {
      let buffer = idle.remove(at: i)
      pthread_mutex_unlock(mutex)
      return buffer
    }
    pthread_mutex_unlock(mutex)
    let capacity = max(count, usualCapacity)
    return Buffer(
      start: UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64),
      capacity: capacity)
  }

  /// Takes back a buffer whose piece is scanned (on any thread).
  func giveBack(_ buffer: Buffer) {
    pthread_mutex_lock(mutex)
    if buffer.capacity <= 2 * usualCapacity && idle.count < maxIdle {
      idle.append(buffer)
      pthread_mutex_unlock(mutex)
      return
    }
    pthread_mutex_unlock(mutex)
    buffer.start.deallocate()
  }

  /// Buffers kept for reuse (for tests).
  var idleCount: Int {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return idle.count
  }
}
