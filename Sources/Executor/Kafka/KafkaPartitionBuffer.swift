/// The lines of one partition's records between librdkafka and the reader: one byte buffer
/// read from the front, and for each record the position in the partition's line stream where
/// its line ends, with the offset after it.
///
/// Positions count the bytes handed to the reader since the start (the reader's own byte
/// positions), so when the reader says it applied everything up to a position, the offset to
/// commit follows (`applied(upTo:)`).
///
/// - Complexity: appending and taking are amortised O(bytes); the buffer is compacted when
///   more than half of it was read, so no step moves what stays.
struct KafkaPartitionBuffer {
  private var data: [UInt8] = []
  private var read = 0
  /// Stream position of `data[0]`.
  private var base: Int64 = 0
  /// Per record, oldest first: where its line ends, and the offset after the record.
  private var marks: [(end: Int64, next: Int64)] = []
  /// Records before this index were applied; before `handedHead`, handed out whole.
  private var appliedHead = 0
  private var handedHead = 0
  /// Where the last record handed out whole ends.
  private var boundary: Int64 = 0

  /// Bytes not handed out yet.
  var unread: Int { data.count - read }

  /// The stream position after the last byte appended.
  var streamEnd: Int64 { base + Int64(data.count) }

  /// Appends one record's line, written by `write`; returns the bytes added.
  mutating func append(next offset: Int64, _ write: (inout [UInt8]) -> Void) -> Int {
    let before = data.count
    write(&data)
    marks.append((base + Int64(data.count), offset))
    return data.count - before
  }

  /// Moves at most `buffer.count` unread bytes into `buffer`; returns how many.
  mutating func take(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    let k = min(unread, buffer.count)
    guard k > 0 else { return 0 }
    let from = read
    data.withUnsafeBytes { src in
      buffer.baseAddress!.copyMemory(from: src.baseAddress! + from, byteCount: k)
    }
    read += k
    let position = base + Int64(read)
    while handedHead < marks.count, marks[handedHead].end <= position {
      boundary = marks[handedHead].end
      handedHead += 1
    }
    if read == data.count {
      base += Int64(read)
      data.removeAll(keepingCapacity: true)
      read = 0
    } else if read >= 1 << 16 && read * 2 >= data.count {
      data.removeFirst(read)
      base += Int64(read)
      read = 0
    }
    return k
  }

  /// Everything handed out up to stream position `position` was applied: the offset after the
  /// last record that ends there, if a record ended since the last call.
  mutating func applied(upTo position: Int64) -> Int64? {
    var next: Int64?
    while appliedHead < handedHead, marks[appliedHead].end <= position {
      next = marks[appliedHead].next
      appliedHead += 1
    }
    if appliedHead >= 4096 && appliedHead * 2 >= marks.count {
      marks.removeFirst(appliedHead)
      handedHead -= appliedHead
      appliedHead = 0
    }
    return next
  }

  /// The partition was revoked: unread records are dropped (their next owner reads them),
  /// except the rest of one partly handed out, which the reader must get whole. Returns the
  /// bytes dropped.
  mutating func dropUnread() -> Int {
    let position = base + Int64(read)
    var keepEnd = position
    var keepMarks = handedHead
    if position > boundary && handedHead < marks.count {
      keepEnd = marks[handedHead].end
      keepMarks = handedHead + 1
    }
    let dropped = Int(base + Int64(data.count) - keepEnd)
    data.removeLast(dropped)
    marks.removeLast(marks.count - keepMarks)
    return dropped
  }
}
