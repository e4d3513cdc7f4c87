import CRdKafka
import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The librdkafka producer behind the `INSERT INTO 'kafka://...'` sinks of a run that write
/// to one cluster (the same brokers and `kafka.NAME=VALUE` properties): every sink to it
/// produces through this one, so with `--checkpoint` the rows of all of them between two
/// checkpoints are one transaction.
///
/// The producer is idempotent (`enable.idempotence`): a retry after a lost acknowledgement is
/// not written twice. With `--checkpoint` it is transactional. Each checkpoint's transaction
/// also carries a mark: through `send_offsets_to_transaction`, it commits the offset
/// `sequence` (with the lineage in its metadata) for the group named by the transactional id
/// on partition 0 of the first sink's topic. That offset becomes visible exactly when the
/// transaction commits, so after a crash `committedMark` tells which checkpoint's rows
/// `read_committed` consumers see (Checkpointer+KafkaResume.swift). The group never has a
/// member; it only holds this offset.
///
/// Producing blocks while librdkafka's queue is full (`queue.buffering.max.kbytes`), so a
/// slow broker pushes back on the run; a message that cannot be delivered fails the run.
final class KafkaProducer {
  /// The first sink's URL: its brokers and properties are the producer's.
  let url: KafkaURL
  let transactionalID: String?
  /// Where the checkpoint mark is committed: the first sink's topic, partition 0.
  let markTopic: String
  private var handle: OpaquePointer?
  /// Topic handles by name, destroyed before `handle`.
  private var topics: [String: OpaquePointer] = [:]
  /// Delivery failures reported by librdkafka's delivery callback (on our thread, in poll).
  fileprivate var failure: String?
  private var inTransaction = false
  /// Records produced in the open transaction.
  private(set) var pending = 0

  var transactional: Bool { transactionalID != nil }

  /// A run that failed before its end: what was not delivered is dropped, an open transaction
  /// is left to the broker's timeout (or the next run's fencing).
  deinit {
    for t in topics.values { rd_kafka_topic_destroy(t) }
    if let handle {
      rd_kafka_purge(handle, 0x3)  // RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT
      rd_kafka_destroy(handle)
    }
  }

  /// Connects, and with `transactionalID` sets up transactions (fencing an earlier producer
  /// with the same id, whose open transaction is aborted) and begins the first.
  init(url: KafkaURL, transactionalID: String?) throws(RunError) {
    self.url = url
    self.transactionalID = transactionalID
    markTopic = url.topic
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
      let producer = Unmanaged<KafkaProducer>.fromOpaque(opaque).takeUnretainedValue()
      if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR, producer.failure == nil {
        producer.failure = KafkaConfig.errorText(message.pointee.err)
      }
    }
    var error = [CChar](repeating: 0, count: 512)
    guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
      throw RunError("\(url.text): cannot create a Kafka producer: \(KafkaConfig.text(error))")
    }
    handle = rk
    if transactional {
      try call(
        "set up transactions", rd_kafka_init_transactions(rk, KafkaConfig.brokerTimeoutMillis * 3))
      try call("begin a transaction", rd_kafka_begin_transaction(rk))
      inTransaction = true
    }
  }

  /// The id of the transactional producer for `url` in a run checkpointing with transactional
  /// prefix `prefix`: the same for every restart of the command.
  static func transactionalID(prefix: String, _ url: KafkaURL) -> String {
    "\(prefix)-\(url.brokers)"
  }

  /// Sinks with the same key share one producer.
  static func sharingKey(_ url: KafkaURL) -> String {
    ([url.brokers] + url.properties).joined(separator: "\u{0}")
  }

  /// A topic handle for `url`'s topic; fails early, naming the broker, when none answers or
  /// the topic does not exist.
  func topic(for url: KafkaURL) throws(RunError) -> OpaquePointer {
    if let t = topics[url.topic] { return t }
    guard let rk = handle, let t = rd_kafka_topic_new(rk, url.topic, nil) else {
      throw RunError("\(url.text): cannot open topic '\(url.topic)'")
    }
    var metadata: UnsafePointer<rd_kafka_metadata>?
    let err = rd_kafka_metadata(rk, 0, t, &metadata, KafkaConfig.brokerTimeoutMillis)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
      rd_kafka_topic_destroy(t)
      throw RunError(
        "\(url.text): no Kafka broker answered at \(url.brokers) within \(KafkaConfig.brokerTimeoutMillis / 1000) s (\(KafkaConfig.errorText(err)))"
      )
    }
    defer { rd_kafka_metadata_destroy(metadata) }
    if metadata.pointee.topic_cnt > 0, let info = metadata.pointee.topics?.pointee,
      info.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
    {
      rd_kafka_topic_destroy(t)
      throw RunError("\(url.text): topic '\(url.topic)' does not exist on \(url.brokers)")
    }
    topics[url.topic] = t
    return t
  }

  private func call(_ what: String, _ error: OpaquePointer?) throws(RunError) {
    guard let error else { return }
    let text = String(cString: rd_kafka_error_string(error))
    rd_kafka_error_destroy(error)
    throw RunError("\(url.text): cannot \(what): \(text)")
  }

  /// Queues one message (`line` without its newline) to `topic`, waiting while the queue is
  /// full; `name` names the sink in messages.
  func produce(_ line: ArraySlice<UInt8>, key: [UInt8]?, topic: OpaquePointer, name: String)
    throws(RunError)
  {
    guard let rk = handle else { return }
    if let failure { throw RunError("\(name): a message was not delivered: \(failure)") }
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
        throw RunError("\(name): cannot produce: \(KafkaConfig.errorText(err))")
      }
      // Backpressure: serve delivery reports until there is room.
      rd_kafka_poll(rk, 100)
      waited += 100
      if waited > Int(KafkaConfig.brokerTimeoutMillis) * 3 {
        throw RunError("\(name): the broker at \(url.brokers) takes no messages")
      }
    }
    pending += 1
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

  /// `--checkpoint`, before the checkpoint is written: puts the checkpoint's mark into the
  /// open transaction, so it commits with the checkpoint's rows or not at all.
  func mark(lineage: UInt64, sequence: Int64) throws(RunError) {
    guard let transactionalID, let rk = handle, inTransaction else { return }
    let list = rd_kafka_topic_partition_list_new(1)!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    let entry = rd_kafka_topic_partition_list_add(list, markTopic, 0)!
    entry.pointee.offset = sequence
    let metadata = Array(KafkaProducer.markMetadata(lineage).utf8)
    let copy = malloc(metadata.count)!
    metadata.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: metadata.count) }
    // Freed with the list.
    entry.pointee.metadata = copy
    entry.pointee.metadata_size = metadata.count
    let group = rd_kafka_consumer_group_metadata_new(transactionalID)
    defer { rd_kafka_consumer_group_metadata_destroy(group) }
    try call(
      "record the checkpoint in the transaction",
      rd_kafka_send_offsets_to_transaction(rk, list, group, KafkaConfig.brokerTimeoutMillis * 3))
  }

  /// `--checkpoint`: commits the transaction of the rows since the last checkpoint (and its
  /// mark) and begins the next; called after the checkpoint that covers them was written.
  func commitTransaction() throws(RunError) {
    guard transactional, let rk = handle, inTransaction else { return }
    try flush()
    try call(
      "commit a transaction", rd_kafka_commit_transaction(rk, KafkaConfig.brokerTimeoutMillis * 3))
    pending = 0
    try call("begin a transaction", rd_kafka_begin_transaction(rk))
  }

  /// The end of the run: delivers what is left; commits the last transaction, or aborts it
  /// when the run was stopped by a signal. Later calls (other sinks sharing it) do nothing.
  func close() throws(RunError) {
    guard let rk = handle else { return }
    defer {
      for t in topics.values { rd_kafka_topic_destroy(t) }
      topics = [:]
      rd_kafka_destroy(rk)
      handle = nil
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

  // MARK: The mark after a crash

  static func markMetadata(_ lineage: UInt64) -> String {
    "streamsql checkpoint lineage " + String(lineage, radix: 16)
  }

  /// After a crash: fences the crashed run's producer (its open transaction is aborted, one
  /// it was committing is finished), then reads the last committed mark, nil when there is
  /// none.
  static func committedMark(url: KafkaURL, transactionalID: String) throws(RunError) -> (
    lineage: UInt64, sequence: Int64
  )? {
    let fence = try KafkaProducer(url: url, transactionalID: transactionalID)
    let markTopic = fence.markTopic
    try fence.close()
    let conf = try KafkaConfig.make(
      url, [("group.id", transactionalID), ("isolation.level", "read_committed")])
    var error = [CChar](repeating: 0, count: 512)
    guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &error, error.count) else {
      throw RunError("\(url.text): cannot create a Kafka consumer: \(KafkaConfig.text(error))")
    }
    defer { rd_kafka_destroy(rk) }
    let list = rd_kafka_topic_partition_list_new(1)!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    rd_kafka_topic_partition_list_add(list, markTopic, 0)
    let err = rd_kafka_committed(rk, list, KafkaConfig.brokerTimeoutMillis * 3)
    let entry = list.pointee.elems[0]
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
      let why = err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : entry.err
      throw RunError(
        "\(url.text): cannot read which checkpoint's transaction committed (group '\(transactionalID)'): \(KafkaConfig.errorText(why))"
      )
    }
    guard entry.offset >= 0 else { return nil }
    let text =
      entry.metadata.map {
        String(
          decoding: UnsafeRawBufferPointer(start: $0, count: entry.metadata_size), as: UTF8.self)
      } ?? ""
    let prefix = markMetadata(0).dropLast()
    guard text.hasPrefix(prefix), let lineage = UInt64(text.dropFirst(prefix.count), radix: 16)
    else { return nil }
    return (lineage, entry.offset)
  }
}
