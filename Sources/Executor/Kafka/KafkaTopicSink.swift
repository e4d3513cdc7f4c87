import CRdKafka
import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The producer behind `INSERT INTO 'kafka://host:port/topic?key=col'`: each result row is one
/// message, its value the row as a JSON object, its key made of the key columns' values (one
/// column: its plain text; several: a JSON array), so the rows of one key land in one
/// partition, in order.
///
/// The producer is idempotent (`enable.idempotence`): a retry after a lost acknowledgement is
/// not written twice. With `--checkpoint` it is also transactional: the rows produced between
/// two checkpoints form one transaction, committed after the checkpoint is written, so a
/// `read_committed` consumer never sees the rows of a run that crashed before its checkpoint
/// (the restarted run produces them again).
///
/// Producing blocks while librdkafka's queue is full (`queue.buffering.max.kbytes`), so a
/// slow broker pushes back on the run; a message that cannot be delivered fails the run.
final class KafkaTopicSink {
  let url: KafkaURL
  let keyColumns: [Int]?
  let transactional: Bool
  private var handle: OpaquePointer?
  private var topic: OpaquePointer?
  /// Delivery failures reported by librdkafka's delivery callback (on our thread, in poll).
  fileprivate var failure: String?
  fileprivate var delivered = 0
  private(set) var produced = 0
  private var inTransaction = false

  var name: String { url.text }

  /// A run that failed before its end: what was not delivered is dropped, an open transaction
  /// is left to the broker's timeout (or the next run's fencing).
  deinit {
    if let topic { rd_kafka_topic_destroy(topic) }
    if let handle {
      rd_kafka_purge(handle, 0x3)  // RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT
      rd_kafka_destroy(handle)
    }
  }

  /// Connects, and with `transactionalID` sets up transactions and begins the first.
  init(url: KafkaURL, keyColumns: [Int]?, transactionalID: String?) throws(RunError) {
    self.url = url
    self.keyColumns = keyColumns
    transactional = transactionalID != nil
    var settings: [(String, String)] = [
      ("enable.idempotence", "true"),
      ("linger.ms", "5"),
      ("queue.buffering.max.kbytes", "65536"),
      ("message.timeout.ms", "30000"),
    ]
    if let transactionalID {
      settings.append(("transactional.id", transactionalID))
      settings.append(("transaction.timeout.ms", "60000"))
    }
    let conf = try KafkaConfig.make(url, settings)
    rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
    rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
      guard let opaque, let message else { return }
      let sink = Unmanaged<KafkaTopicSink>.fromOpaque(opaque).takeUnretainedValue()
      if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
        if sink.failure == nil { sink.failure = KafkaConfig.errorText(message.pointee.err) }
      } else {
        sink.delivered += 1
      }
    }
    var error = [CChar](repeating: 0, count: 512)
    guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
      throw RunError("\(url.text): cannot create a Kafka producer: \(KafkaConfig.text(error))")
    }
    handle = rk
    try checkTopic(rk)
    topic = rd_kafka_topic_new(rk, url.topic, nil)
    if transactional {
      try call(
        "set up transactions", rd_kafka_init_transactions(rk, KafkaConfig.brokerTimeoutMillis * 3))
      try call("begin a transaction", rd_kafka_begin_transaction(rk))
      inTransaction = true
    }
  }

  /// Fails early, naming the broker, when none answers or the topic does not exist.
  private func checkTopic(_ rk: OpaquePointer) throws(RunError) {
    let t = rd_kafka_topic_new(rk, url.topic, nil)
    defer { if let t { rd_kafka_topic_destroy(t) } }
    var metadata: UnsafePointer<rd_kafka_metadata>?
    let err = rd_kafka_metadata(rk, 0, t, &metadata, KafkaConfig.brokerTimeoutMillis)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
      throw RunError(
        "\(url.text): no Kafka broker answered at \(url.brokers) within \(KafkaConfig.brokerTimeoutMillis / 1000) s (\(KafkaConfig.errorText(err)))"
      )
    }
    defer { rd_kafka_metadata_destroy(metadata) }
    if metadata.pointee.topic_cnt > 0, let info = metadata.pointee.topics?.pointee,
      info.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
    {
      throw RunError("\(url.text): topic '\(url.topic)' does not exist on \(url.brokers)")
    }
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

  private func call(_ what: String, _ error: OpaquePointer?) throws(RunError) {
    guard let error else { return }
    let text = String(cString: rd_kafka_error_string(error))
    rd_kafka_error_destroy(error)
    throw RunError("\(url.text): cannot \(what): \(text)")
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
    guard let rk = handle, let topic else { return }
    if let failure { throw RunError("\(url.text): a message was not delivered: \(failure)") }
    var waited = 0
    while true {
      let result = line.withUnsafeBytes { value in
        if let key {
          return key.withUnsafeBytes { k in
            crdkafka_produce(topic, value.baseAddress, value.count, k.baseAddress, k.count)
          }
        }
        return crdkafka_produce(topic, value.baseAddress, value.count, nil, 0)
      }
      if result == 0 { break }
      let err = rd_kafka_last_error()
      guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
        throw RunError("\(url.text): cannot produce: \(KafkaConfig.errorText(err))")
      }
      // Backpressure: serve delivery reports until there is room.
      rd_kafka_poll(rk, 100)
      waited += 100
      if waited > Int(KafkaConfig.brokerTimeoutMillis) * 3 {
        throw RunError("\(url.text): the broker at \(url.brokers) takes no messages")
      }
    }
    produced += 1
    rd_kafka_poll(rk, 0)
  }

  /// Waits until every queued message was delivered (the run's flush points), or fails.
  func flush() throws(RunError) {
    guard let rk = handle else { return }
    let err = rd_kafka_flush(rk, KafkaConfig.brokerTimeoutMillis * 3)
    if let failure { throw RunError("\(url.text): a message was not delivered: \(failure)") }
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
      throw RunError(
        "\(url.text): messages not delivered within \(KafkaConfig.brokerTimeoutMillis * 3 / 1000) s (\(KafkaConfig.errorText(err)))"
      )
    }
  }

  /// `--checkpoint`: commits the transaction of the rows since the last checkpoint and begins
  /// the next; called after the checkpoint that covers them was written.
  func commitTransaction() throws(RunError) {
    guard transactional, let rk = handle, inTransaction else { return }
    try flush()
    try call(
      "commit a transaction", rd_kafka_commit_transaction(rk, KafkaConfig.brokerTimeoutMillis * 3))
    try call("begin a transaction", rd_kafka_begin_transaction(rk))
  }

  func close() throws(RunError) {
    guard let rk = handle else { return }
    defer {
      if let topic { rd_kafka_topic_destroy(topic) }
      rd_kafka_destroy(rk)
      handle = nil
      topic = nil
    }
    try flush()
    guard transactional && inTransaction else { return }
    inTransaction = false
    // Stopped by a signal, the rows since the last checkpoint (windows fired early by the
    // stop among them) are produced again by the resumed run: abort them.
    let timeout = KafkaConfig.brokerTimeoutMillis * 3
    if Signals.stopRequested {
      try call("abort a transaction", rd_kafka_abort_transaction(rk, timeout))
    } else {
      try call("commit a transaction", rd_kafka_commit_transaction(rk, timeout))
    }
  }
}
