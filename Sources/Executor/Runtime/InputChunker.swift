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
struct InputChunker {
  enum Piece {
    /// Whole lines; every line ends with `\n` except, at end of input, possibly the last.
    case lines([UInt8])
    /// A line of this many bytes that exceeded the limit.
    case overLong(Int)
  }

  let maxLineBytes: Int
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

  mutating func push(_ input: UnsafeRawBufferPointer) -> [Piece] {
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
      return joined.withUnsafeBytes { push($0) }
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
    var piece = tail
    piece.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0...last]))
    tail = Array(UnsafeRawBufferPointer(rebasing: bytes[(last + 1)...]))
    pieces.append(.lines(piece))
    return pieces
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
    return [.lines(piece)]
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
