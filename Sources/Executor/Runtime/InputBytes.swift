#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one piece of whole lines, wherever they live: a buffer taken from a
/// `PieceBufferPool` that a read put them into, or memory of their own.
///
/// A piece is read on the main thread and scanned on a worker thread; the scanning thread gives
/// the memory back (`release()`) as soon as the piece is scanned, so that what stays resident is
/// bounded by the pieces in flight, not by the input. Nothing refers to these bytes afterwards:
/// the rows keep their own copies of whatever they need (values, raw lines).
final class InputBytes: @unchecked Sendable {
  /// What to do with the memory once the piece is scanned.
  private enum Owner {
    case none
    /// A buffer of the pool, given back to it.
    case pooled(PieceBufferPool, PieceBufferPool.Buffer)
    /// Memory of its own (tests, small pieces), deallocated.
    case allocated(UnsafeMutableRawPointer)
  }

  /// The piece's bytes; empty once released.
  private(set) var bytes: UnsafeRawBufferPointer
  private var owner: Owner

  var count: Int { bytes.count }

  /// A piece of `count` bytes at `offset` in `buffer` of `pool`: the whole buffer goes back to
  /// the pool when released.
  init(pooled buffer: PieceBufferPool.Buffer, of pool: PieceBufferPool, offset: Int = 0, count: Int)
  {
    bytes = UnsafeRawBufferPointer(start: buffer.start + offset, count: count)
    owner = .pooled(pool, buffer)
  }

  /// A piece over memory that the caller owns and frees after the piece is scanned (tests:
  /// a piece that ends right before an inaccessible page).
  init(borrowing bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
    owner = .none
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

  /// Gives the memory back; the bytes are empty afterwards. Called once the piece is scanned.
  func release() {
    switch owner {
    case .none: break
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
