import CRdKafka
import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The sink of `INSERT INTO 'kafka://host:port/topic?key=col'`: each result row is one
/// message, its value the row as a JSON object, its key made of the key columns' values (one
/// column: its plain text; several: a JSON array), so the rows of one key land in one
/// partition, in order.
///
/// Messages go through the run's `KafkaProducer` for the topic's cluster, shared with the
/// other sinks to that cluster, so that with `--checkpoint` they are all in one transaction.
final class KafkaTopicSink {
  let url: KafkaURL
  let keyColumns: [Int]?
  let producer: KafkaProducer
  /// Owned by the producer, which destroys it before its own handle.
  private let topic: OpaquePointer

  var name: String { url.text }

  /// Opens the topic through `producer`; fails when it does not exist.
  init(url: KafkaURL, keyColumns: [Int]?, producer: KafkaProducer) throws(RunError) {
    self.url = url
    self.keyColumns = keyColumns
    self.producer = producer
    topic = try producer.topic(for: url)
  }

  /// The start of the transactional ids of a run checkpointing into `directory`: the same
  /// for every restart of the command, so a restarted producer fences the crashed one and
  /// its unfinished transaction is aborted.
  static func transactionalPrefix(directory: String) -> String {
    var path = directory
    if let resolved = realpath(directory, nil) {
      path = String(cString: resolved)
      free(resolved)
    }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return "streamsql-" + String(hash, radix: 16)
  }

  /// The message key of a row: nil without key columns.
  func key(of row: [Value]) -> [UInt8]? {
    guard let keyColumns, !keyColumns.isEmpty else { return nil }
    if keyColumns.count == 1 {
      let v = keyColumns[0] < row.count ? row[keyColumns[0]] : .null
      return plainText(v).map { Array($0.utf8) } ?? []
    }
    var out: [UInt8] = [UInt8(ascii: "[")]
    for (i, c) in keyColumns.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      JSONWriter.appendValue(c < row.count ? row[c] : .null, to: &out)
    }
    out.append(UInt8(ascii: "]"))
    return out
  }

  /// Queues one message (`line` without its newline), waiting while the queue is full.
  func produce(_ line: ArraySlice<UInt8>, key: [UInt8]?) throws(RunError) {
    try producer.produce(line, key: key, topic: topic, name: url.text)
  }

  /// Waits until every queued message was delivered (the run's flush points), or fails.
  func flush() throws(RunError) { try producer.flush() }

  /// The end of the run: the shared producer's last transaction is committed (or aborted
  /// after a stop by a signal) by the first sink that closes.
  func close() throws(RunError) { try producer.close() }
}
