#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Reads a regular file on a thread of its own, a couple of reads ahead of the reading loop,
/// each straight into a pool buffer behind `headroom` bytes of room (the buffer then becomes the
/// piece, `InputChunker.push(inPlace:)`).
///
/// Copying a megabyte from the page cache takes the kernel about as long as the ordered stage
/// needs to apply a megabyte of rows to a window: done on the reading loop's thread (the
/// ordered stage's), it delayed every query that the ordered stage bounds. Here it overlaps.
/// Reads are the same sizes in the same order as the loop's own would be (the first one limited
/// to `firstLimit`, a resumed checkpoint's alignment), so pieces and offsets do not change. A
/// file only: a pipe or a socket is read when the loop polls it, so that a line is handed on the
/// moment it arrives.
final class ReadAhead: @unchecked Sendable {
  /// One read: bytes at `headroom` in `buffer`, end of file, or a failed read's errno.
  enum Result {
    case data(PieceBufferPool.Buffer, count: Int)
    case end
    case failed(Int32)
  }

  let pool: PieceBufferPool
  private let fd: Int32
  private let headroom: Int
  private let readBytes: Int
  private var firstLimit: Int?
  /// Reads done and not yet taken, in order.
  private var ready: [Result] = []
  private var stopping = false
  private var finished = false
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Reads that may wait in `ready`.
  private let ahead: Int
  private let done = DispatchGroup()

  init(fd: Int32, headroom: Int, readBytes: Int, firstLimit: Int?, ahead: Int = 2) {
    self.fd = fd
    self.headroom = headroom
    self.readBytes = readBytes
    self.firstLimit = firstLimit
    pool = PieceBufferPool(usualCapacity: headroom + readBytes, maxIdle: 8)
    self.ahead = ahead
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(changed, nil)
    done.enter()
    DispatchQueue(label: "streamsql.read").async { self.readLoop() }
  }

  deinit {
    stop()
    for result in ready { if case .data(let buffer, _) = result { pool.giveBack(buffer) } }
    pthread_cond_destroy(changed)
    pthread_mutex_destroy(mutex)
    changed.deallocate()
    mutex.deallocate()
  }

  private func readLoop() {
    defer { done.leave() }
    while true {
      // Wait for room (a DispatchSemaphore may not be freed below its initial count, which a
      // reader stopped early would do).
      pthread_mutex_lock(mutex)
      while ready.count >= ahead && !stopping { pthread_cond_wait(changed, mutex) }
      let stop = stopping
      pthread_mutex_unlock(mutex)
      if stop { return }
      let buffer = pool.take(atLeast: headroom + readBytes)
      let limit = min(readBytes, firstLimit ?? .max)
      firstLimit = nil
      var n = 0
      repeat { n = read(fd, buffer.start + headroom, limit) } while n < 0 && errno == EINTR
      let result: Result
      if n > 0 {
        result = .data(buffer, count: n)
      } else {
        pool.giveBack(buffer)
        result = n == 0 ? .end : .failed(errno)
      }
      pthread_mutex_lock(mutex)
      ready.append(result)
      pthread_cond_broadcast(changed)
      pthread_mutex_unlock(mutex)
      if n <= 0 { return }
    }
  }

  /// The next read, waiting for it if it is not done yet. After `.end` or `.failed`, `.end`.
  func next() -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    if finished { return .end }
    while ready.isEmpty { pthread_cond_wait(changed, mutex) }
    let result = ready.removeFirst()
    if case .data = result {} else { finished = true }
    pthread_cond_broadcast(changed)
    return result
  }

  /// Stops reading ahead and waits for a read in progress to finish (before the descriptor is
  /// closed).
  func stop() {
    pthread_mutex_lock(mutex)
    stopping = true
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
    done.wait()
  }
}
