#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Cuts one input's byte stream, as read(2) returns it, into pieces of whole lines that can be
/// scanned independently (on any thread) and in any order, then applied in sequence.
///
/// Only the partial line at the end of a read is carried over. A UTF-8 byte order mark at the
/// start of the stream is dropped. A line longer than the limit is never buffered beyond it: its
/// bytes are dropped up to its newline and it is reported as one over-long line.
///
/// The bytes arrive in one of two ways, which may alternate:
/// - `push(_:pool:)`: a read's bytes, copied with the carried partial line into a buffer of the
///   pool (the piece), the new partial line kept here;
/// - `push(inPlace:of:headroom:pool:)`: a read's bytes that the read put into a buffer of the
///   pool behind some room; the carried partial line is copied into that room and the buffer
///   becomes the piece, so the read's bytes are not copied again.
/// Both cut at exactly the same places: a piece ends at the last newline of each read.
struct InputChunker {
  enum Piece {
    /// Whole lines; every line ends with `\n` except, at end of input, possibly the last.
    case lines(InputBytes)
    /// A line of this many bytes that exceeded the limit.
    case overLong(Int)
  }

  let maxLineBytes: Int
  /// The partial line carried over.
  private var tail: [UInt8] = []
  private var discarding = false
  private var discarded = 0
  /// Bytes seen so far while the stream start may still be a byte order mark.
  private var atStart = true

  /// `atStreamStart` false: the stream is resumed mid-file (a checkpoint), so its first bytes
  /// are no byte order mark.
  init(maxLineBytes: Int, atStreamStart: Bool = true) {
    self.maxLineBytes = maxLineBytes
    atStart = atStreamStart
  }

  /// Bytes pushed but not yet in a piece: the partial line carried over, or an over-long
  /// line being dropped.
  var carriedBytes: Int { tail.count + discarded }

  /// Frames a read's bytes; the piece of whole lines they complete is copied into a buffer of
  /// `pool`.
  mutating func push(_ input: UnsafeRawBufferPointer, pool: PieceBufferPool) -> [Piece] {
    var bytes = input
    var pieces: [Piece] = []
    if atStart {
      // Decide about a BOM once three bytes (or the whole stream) are known.
      if tail.count + bytes.count < 3 {
        tail.append(contentsOf: bytes)
        return []
      }
      atStart = false
      tail.append(contentsOf: bytes)
      if tail.count >= 3 && tail[0] == 0xEF && tail[1] == 0xBB && tail[2] == 0xBF {
        tail.removeFirst(3)
      }
      let joined = tail
      tail = []
      return joined.withUnsafeBytes { push($0, pool: pool) }
    }
    if discarding {
      guard let nl = InputChunker.firstNewline(bytes) else {
        discarded += bytes.count
        return []
      }
      discarded += nl
      pieces.append(.overLong(discarded))
      discarding = false
      discarded = 0
      bytes = UnsafeRawBufferPointer(rebasing: bytes[(nl + 1)...])
    }
    guard let last = InputChunker.lastNewline(bytes) else {
      tail.append(contentsOf: bytes)
      if tail.count > maxLineBytes + 1 {
        discarding = true
        discarded = tail.count
        tail = []
      }
      return pieces
    }
    let end = last + 1
    let count = tail.count + end
    let buffer = pool.take(atLeast: count)
    tail.withUnsafeBytes { carried in
      if let from = carried.baseAddress {
        buffer.start.copyMemory(from: from, byteCount: carried.count)
      }
    }
    buffer.start.advanced(by: tail.count).copyMemory(from: bytes.baseAddress!, byteCount: end)
    pieces.append(.lines(InputBytes(pooled: buffer, of: pool, count: count)))
    // A tail that held a long line gives its memory back.
    if tail.capacity > 1 << 20 { tail = [] } else { tail.removeAll(keepingCapacity: true) }
    tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[end...]))
    return pieces
  }

  /// Frames a read's bytes that the read put straight into `buffer` of `pool`, `headroom` bytes
  /// after its start. When the partial line carried over fits in that room, it is copied in
  /// front of them and the piece of whole lines is that buffer itself: the input is copied once
  /// in all (by the read), not a second time into a piece. `usedBuffer` is then true and the
  /// buffer belongs to the piece. Otherwise (the stream's start, an over-long line, a carried
  /// line longer than the room, no newline) it is `push(_:pool:)`, and the buffer stays the
  /// caller's. Either way the pieces are cut where `push(_:pool:)` cuts them.
  mutating func push(
    inPlace bytes: UnsafeRawBufferPointer, of buffer: PieceBufferPool.Buffer, headroom: Int,
    pool: PieceBufferPool
  ) -> (pieces: [Piece], usedBuffer: Bool) {
    guard !atStart, !discarding, tail.count <= headroom, let last = InputChunker.lastNewline(bytes)
    else { return (push(bytes, pool: pool), false) }
    let end = last + 1
    let begin = headroom - tail.count
    tail.withUnsafeBytes { carried in
      if let from = carried.baseAddress {
        buffer.start.advanced(by: begin).copyMemory(from: from, byteCount: carried.count)
      }
    }
    let piece = InputBytes(pooled: buffer, of: pool, offset: begin, count: tail.count + end)
    if tail.capacity > 1 << 20 { tail = [] } else { tail.removeAll(keepingCapacity: true) }
    tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[end...]))
    return ([.lines(piece)], true)
  }

  /// End of input: the last line, if it had no newline.
  mutating func finish() -> [Piece] {
    if atStart {
      atStart = false
      if tail.count >= 3 && tail[0] == 0xEF && tail[1] == 0xBB && tail[2] == 0xBF {
        tail.removeFirst(3)
      }
    }
    if discarding {
      discarding = false
      return [.overLong(discarded)]
    }
    guard !tail.isEmpty else { return [] }
    let piece = tail
    tail = []
    return [.lines(InputBytes.copying(piece))]
  }

  static func firstNewline(_ b: UnsafeRawBufferPointer) -> Int? {
    guard let base = b.baseAddress, b.count > 0, let p = memchr(base, 0x0A, b.count) else {
      return nil
    }
    return UnsafeRawPointer(p) - base
  }

  /// Scans backwards: the last line of a read is usually short, so this touches few bytes.
  static func lastNewline(_ b: UnsafeRawBufferPointer) -> Int? {
    var i = b.count - 1
    while i >= 0 {
      if b[i] == 0x0A { return i }
      i -= 1
    }
    return nil
  }
}
