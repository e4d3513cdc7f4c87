#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one piece of whole lines, wherever they live: a view into a mapped input file,
/// or a buffer taken from a `PieceBufferPool` that a read was copied into.
///
/// A piece is read on the main thread and scanned on a worker thread; the scanning thread gives
/// the memory back (`release()`) as soon as the piece is scanned, so that what stays resident is
/// bounded by the pieces in flight, not by the input. Nothing refers to these bytes afterwards:
/// the rows keep their own copies of whatever they need (values, raw lines).
final class InputBytes: @unchecked Sendable {
  /// What to do with the memory once the piece is scanned.
  private enum Owner {
    case none
    /// A mapping of `length` bytes at `start` (page aligned), unmapped.
    case mapping(start: UnsafeMutableRawPointer, length: Int)
    /// A buffer of the pool, given back to it.
    case pooled(PieceBufferPool, PieceBufferPool.Buffer)
    /// Memory of its own (tests, small pieces), deallocated.
    case allocated(UnsafeMutableRawPointer)
  }

  /// The piece's bytes; empty once released.
  private(set) var bytes: UnsafeRawBufferPointer
  private var owner: Owner

  var count: Int { bytes.count }

  /// A piece in a mapping of `length` bytes at `start`: unmapped when released.
  init(mapping start: UnsafeMutableRawPointer, length: Int, bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
    owner = .mapping(start: start, length: length)
  }

  /// A piece in `buffer` of `pool`: given back to the pool when released.
  init(pooled buffer: PieceBufferPool.Buffer, of pool: PieceBufferPool, count: Int) {
    bytes = UnsafeRawBufferPointer(start: buffer.start, count: count)
    owner = .pooled(pool, buffer)
  }

  /// A copy of `source` in memory of its own.
  init(copying source: UnsafeRawBufferPointer) {
    guard source.count > 0, let from = source.baseAddress else {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      owner = .none
      return
    }
    let memory = UnsafeMutableRawPointer.allocate(byteCount: source.count, alignment: 16)
    memory.copyMemory(from: from, byteCount: source.count)
    bytes = UnsafeRawBufferPointer(start: memory, count: source.count)
    owner = .allocated(memory)
  }

  /// A copy of `source` in memory of its own.
  static func copying(_ source: [UInt8]) -> InputBytes {
    source.withUnsafeBytes { InputBytes(copying: $0) }
  }

  /// Keeps only `range` of the bytes (a mapped piece ends at its last newline, not at the end
  /// of the mapping); the memory is given back as a whole all the same.
  func narrow(to range: Range<Int>) {
    bytes = UnsafeRawBufferPointer(rebasing: bytes[range])
  }

  /// Linux's MADV_POPULATE_READ (5.14; not exported to Swift).
  private static let populateRead: Int32 = 22

  /// Called on the scanning thread before the bytes are read: a mapping's page-table entries
  /// are filled in one system call (MADV_POPULATE_READ) there, rather than by a page fault per
  /// 64 KiB, and rather than by the reading thread at map time, which is the ordered stage's.
  /// On an older kernel this does nothing and the faults happen as before.
  func willRead() {
    guard case .mapping(let start, let length) = owner else { return }
    _ = madvise(start, length, InputBytes.populateRead)
  }

  /// Gives the memory back; the bytes are empty afterwards. Called once the piece is scanned.
  func release() {
    switch owner {
    case .none: break
    case .mapping(let start, let length): munmap(start, length)
    case .pooled(let pool, let buffer): pool.giveBack(buffer)
    case .allocated(let memory): memory.deallocate()
    }
    owner = .none
    bytes = UnsafeRawBufferPointer(start: nil, count: 0)
  }

  deinit { release() }

  /// True when every byte is a space, a tab or a carriage return (nothing to report of a torn
  /// last line).
  var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
}
