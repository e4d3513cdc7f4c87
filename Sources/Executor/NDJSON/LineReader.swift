/// Cuts a byte stream that arrives in arbitrary chunks into NDJSON lines.
///
/// Feed it each chunk as `read(2)` returns it; it calls back once per complete line with a view
/// of the line's bytes (no `\n`, a trailing `\r` stripped). A line that lies wholly inside one
/// chunk is handed over in place, without copying; only the partial line at a chunk's end is
/// kept, in a buffer reused from line to line. A UTF-8 byte order mark at the very start of the
/// stream is skipped.
///
/// Lines longer than `maxLineBytes` (after the `\r` is stripped) are reported once each as
/// `.overLong`, and their bytes are dropped as they arrive, so memory stays bounded by the limit
/// however long the line; the lines after it are unaffected.
///
///     var reader = LineReader()
///     reader.feed(chunk) { line, number in ... }   // as often as data arrives
///     reader.finish { line, number in ... }        // a last line without `\n`
///
/// Whole, byte by byte or in random splits, the same bytes give the same lines.
public struct LineReader: Sendable {
  /// One framed line, valid only during the callback.
  public enum Line {
    /// The line's bytes, without `\n` and without a trailing `\r`.
    case line(UnsafeRawBufferPointer)
    /// A line over the limit; `byteCount` is its full length (before `\r` stripping), its bytes
    /// are gone.
    case overLong(byteCount: Int)
  }

  /// SPEC 2: the default `--max-line-bytes`, 16 MiB.
  public static let defaultMaxLineBytes = 16 << 20

  /// The longest line, in bytes without its `\r\n`, that is handed over.
  public let maxLineBytes: Int
  /// How many lines (good or over-long) have been reported; the next line's number is this + 1.
  public private(set) var lineCount = 0
  /// Total bytes fed, BOM included.
  public private(set) var byteCount = 0

  /// The partial line carried from one chunk into the next.
  private var tail: [UInt8] = []
  /// True while the bytes of an over-long line are being dropped up to its newline.
  private var discarding = false
  /// The length of the over-long line being dropped, so far.
  private var discardedBytes = 0
  /// How many bytes of the BOM `EF BB BF` have been matched at the stream's start; -1 once decided.
  private var bomMatched = 0

  /// - Parameter skipsByteOrderMark: false for a reader fed pieces from the middle of a stream,
  ///   where `EF BB BF` is data, not a mark.
  public init(maxLineBytes: Int = LineReader.defaultMaxLineBytes, skipsByteOrderMark: Bool = true) {
    precondition(maxLineBytes > 0, "maxLineBytes must be positive")
    self.maxLineBytes = maxLineBytes
    if !skipsByteOrderMark { bomMatched = -1 }
  }

  /// Feeds one chunk; calls `body` with each line completed by it and the line's 1-based number.
  public mutating func feed(
    _ chunk: UnsafeRawBufferPointer, _ body: (Line, Int) throws -> Void
  ) rethrows {
    let count = chunk.count
    guard count > 0, let base = chunk.baseAddress else { return }
    byteCount &+= count
    var pos = 0
    if bomMatched >= 0 {
      pos = matchBOM(base.assumingMemoryBound(to: UInt8.self), count)
      if pos == count { return }
    }
    if discarding {
      guard let nl = LineSplitter.nextNewline(in: chunk, from: pos) else {
        discardedBytes &+= count &- pos
        return
      }
      discardedBytes &+= nl &- pos
      discarding = false
      lineCount &+= 1
      try body(.overLong(byteCount: discardedBytes), lineCount)
      pos = nl &+ 1
    }
    if !tail.isEmpty {
      // The first newline completes the carried partial line.
      guard let nl = LineSplitter.nextNewline(in: chunk, from: pos) else {
        carry(UnsafeRawBufferPointer(rebasing: chunk[pos..<count]))
        return
      }
      let piece = nl &- pos
      if tail.count &+ piece > maxLineBytes &+ 1 {
        lineCount &+= 1
        let length = tail.count &+ piece
        dropTail()
        try body(.overLong(byteCount: length), lineCount)
      } else {
        tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[pos..<nl]))
        lineCount &+= 1
        let number = lineCount
        let limit = maxLineBytes
        defer { dropTail() }
        try tail.withUnsafeBytes { try body(Self.frame($0, limit: limit), number) }
      }
      pos = nl &+ 1
    }
    while let nl = LineSplitter.nextNewline(in: chunk, from: pos) {
      lineCount &+= 1
      try body(
        Self.frame(UnsafeRawBufferPointer(rebasing: chunk[pos..<nl]), limit: maxLineBytes),
        lineCount)
      pos = nl &+ 1
    }
    if pos < count { carry(UnsafeRawBufferPointer(rebasing: chunk[pos..<count])) }
  }

  /// Feeds one chunk held in an array; see `feed(_:_:)` for buffers.
  public mutating func feed(_ chunk: [UInt8], _ body: (Line, Int) throws -> Void) rethrows {
    try chunk.withUnsafeBytes { try feed($0, body) }
  }

  /// Ends the stream: reports the last line when it had no `\n` (or was over-long).
  public mutating func finish(_ body: (Line, Int) throws -> Void) rethrows {
    if bomMatched > 0 {
      // The stream was a strict prefix of a BOM: those bytes are data after all.
      tail.append(contentsOf: Self.bom[0..<bomMatched])
    }
    bomMatched = -1
    if discarding {
      discarding = false
      lineCount &+= 1
      try body(.overLong(byteCount: discardedBytes), lineCount)
    } else if !tail.isEmpty {
      lineCount &+= 1
      let number = lineCount
      let limit = maxLineBytes
      defer { dropTail() }
      try tail.withUnsafeBytes { try body(Self.frame($0, limit: limit), number) }
    }
  }

  private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// Consumes the BOM's bytes at the start of the stream; returns the offset where data starts.
  ///
  /// The BOM may itself be split across chunks, so the match is kept in `bomMatched`. On a
  /// mismatch the bytes matched so far were data and go into `tail`.
  private mutating func matchBOM(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    var pos = 0
    while bomMatched >= 0 && bomMatched < 3 && pos < count {
      if bytes[pos] == Self.bom[bomMatched] {
        bomMatched += 1
        pos += 1
      } else {
        tail.append(contentsOf: Self.bom[0..<bomMatched])
        bomMatched = -1
      }
    }
    if bomMatched == 3 { bomMatched = -1 }
    return pos
  }

  /// Keeps an unterminated piece for the next chunk, or starts dropping it when over the limit.
  private mutating func carry(_ piece: UnsafeRawBufferPointer) {
    // One byte of slack: a `\r` may follow a line of exactly `maxLineBytes`.
    if tail.count &+ piece.count > maxLineBytes &+ 1 {
      discarding = true
      discardedBytes = tail.count &+ piece.count
      dropTail()
    } else {
      tail.append(contentsOf: piece)
    }
  }

  /// Empties the carried tail, giving back memory that a huge line made it hold.
  private mutating func dropTail() {
    if tail.capacity > 1 << 20 {
      tail = []
    } else {
      tail.removeAll(keepingCapacity: true)
    }
  }

  /// One complete line's bytes as a `Line`: a trailing `\r` stripped, the limit applied.
  @inline(__always)
  private static func frame(_ raw: UnsafeRawBufferPointer, limit: Int) -> Line {
    var line = raw
    if let last = line.last, last == 0x0D {
      line = UnsafeRawBufferPointer(rebasing: line.dropLast())
    }
    return line.count > limit ? .overLong(byteCount: raw.count) : .line(line)
  }
}
