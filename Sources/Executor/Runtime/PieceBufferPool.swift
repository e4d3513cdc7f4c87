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
/// Buffers are mapped pages of their own (`mmap`), so the pool alone decides what stays
/// allocated; `maxIdle` should cover the buffers a steady run lets go at once, or each one
/// freed and mapped again costs its page faults anew.
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
    // Buffers are whole pages: the usual one is the pages that hold `usualCapacity` bytes.
    self.usualCapacity = PieceBufferPool.wholePages(usualCapacity)
    self.maxIdle = maxIdle
    idle.reserveCapacity(maxIdle)
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    for buffer in idle { PieceBufferPool.free(buffer) }
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
    return PieceBufferPool.map(max(count, usualCapacity))
  }

  /// A buffer mapped on its own rather than taken from malloc: freeing a megabyte that malloc
  /// mapped raises glibc's threshold for mapping, after which such buffers come from the heap,
  /// where buffers freed on other threads leave holes and the heap (peak RSS) grows with the
  /// length of the run.
  private static func map(_ byteCount: Int) -> Buffer {
    let capacity = wholePages(byteCount)
    guard let start = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      start != MAP_FAILED
    else { fatalError("out of memory: cannot map \(capacity) bytes for input") }
    return Buffer(start: start, capacity: capacity)
  }

  private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

  /// `byteCount` rounded up to whole pages.
  private static func wholePages(_ byteCount: Int) -> Int {
    (byteCount + pageSize - 1) / pageSize * pageSize
  }

  private static func free(_ buffer: Buffer) {
    munmap(buffer.start, buffer.capacity)
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
    PieceBufferPool.free(buffer)
  }

  /// Buffers kept for reuse (for tests).
  var idleCount: Int {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return idle.count
  }
}
