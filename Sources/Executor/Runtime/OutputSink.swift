#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered byte destination: stdout, `-o FILE`, an INSERT INTO file, a dead-letter or
/// late-output file.
///
/// Writers append to `buffer`; the runner flushes when it grows past a threshold and whenever
/// the input would block, so that a `tail -f | streamsql` pipeline sees each result promptly.
final class OutputSink {
  let name: String
  private let fd: Int32
  private let ownsDescriptor: Bool
  var buffer: [UInt8] = []
  /// The reader went away (EPIPE): stop producing output.
  private(set) var closed = false
  /// Time spent inside write(2), microseconds.
  private(set) var blockedMicros: Int64 = 0

  /// A SQLite table that takes this sink's rows instead of bytes (`QueryOutput` hands them
  /// over); flushing commits its transaction. nil for byte sinks.
  let table: SQLiteTableSink?
  /// A Kafka topic that takes this sink's rows as messages (`QueryOutput` hands them over);
  /// flushing waits for their delivery. nil for other sinks.
  let kafka: KafkaTopicSink?

  static let flushThreshold = 1 << 16

  /// Time the run waited on this output: in write(2), or inside SQLite.
  var totalBlockedMicros: Int64 { blockedMicros + (table?.database.blockedMicros ?? 0) }

  init(standardOutput: ()) {
    name = "stdout"
    fd = 1
    ownsDescriptor = false
    table = nil
    kafka = nil
    buffer.reserveCapacity(OutputSink.flushThreshold * 2)
  }

  /// Writes to an open descriptor it then owns (a connected socket), blocking when the peer
  /// reads slowly.
  init(descriptor: Int32, name: String) {
    self.name = name
    fd = descriptor
    ownsDescriptor = true
    table = nil
    kafka = nil
    buffer.reserveCapacity(OutputSink.flushThreshold * 2)
  }

  /// Rows go to a SQLite table; the byte buffer stays empty.
  init(table: SQLiteTableSink) {
    name = table.name
    fd = -1
    ownsDescriptor = false
    self.table = table
    kafka = nil
  }

  /// Rows go to a Kafka topic; the byte buffer stays empty.
  init(kafka: KafkaTopicSink) {
    name = kafka.name
    fd = -1
    ownsDescriptor = false
    table = nil
    self.kafka = kafka
  }

  /// Opens (creating or truncating) a file for writing.
  init(path: String, append: Bool = false) throws(RunError) {
    name = path
    let flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
    let d = open(path, flags, 0o644)
    guard d >= 0 else {
      throw RunError("cannot open '\(path)' for writing: \(String(cString: strerror(errno)))")
    }
    fd = d
    ownsDescriptor = true
    table = nil
    kafka = nil
    buffer.reserveCapacity(OutputSink.flushThreshold * 2)
  }

  @inline(__always)
  func flushIfFull() throws(RunError) {
    if buffer.count >= OutputSink.flushThreshold { try flush() }
  }

  func flush() throws(RunError) {
    if let table {
      buffer.removeAll(keepingCapacity: true)
      try table.database.commit()
      return
    }
    if let kafka {
      buffer.removeAll(keepingCapacity: true)
      let started = Clock.monotonicMicros()
      defer { blockedMicros += Clock.monotonicMicros() - started }
      try kafka.flush()
      return
    }
    guard !buffer.isEmpty else { return }
    if closed {
      buffer.removeAll(keepingCapacity: true)
      return
    }
    let started = Clock.monotonicMicros()
    defer { blockedMicros += Clock.monotonicMicros() - started }
    var failure: Int32 = 0
    buffer.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += n
      }
    }
    buffer.removeAll(keepingCapacity: true)
    if failure == EPIPE {
      closed = true
    } else if failure != 0 {
      throw RunError("cannot write to \(name): \(String(cString: strerror(failure)))")
    }
  }

  func close() throws(RunError) {
    try flush()
    try kafka?.close()
    if ownsDescriptor { POSIX.close(fd) }
  }
}
