import CRdKafka
import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one librdkafka consumer behind a `kafka://` source; each partition of the topic is read
/// through its own `KafkaPartitionInput`, so each partition has its own watermark (the query's
/// watermark is the minimum over the partitions that hold it, SPEC 4 with issue 8).
///
/// With `group=NAME` the consumer subscribes, and the processes of one group split the
/// partitions; a rebalance assigns and revokes partitions while it runs. Without a group every
/// partition is read. Messages are polled only while less than `maxPendingBytes` waits to be
/// handed to the reader, so memory stays bounded whatever the broker holds (librdkafka's own
/// prefetch is bounded by `queued.max.messages.kbytes`).
///
/// Offsets: the offset after the last message whose rows were applied is known per partition
/// (`applied(upTo:)` maps byte positions of the partition's line stream back to offsets).
/// Without `--checkpoint` they are committed to the group every `commitIntervalMillis` after
/// the outputs are flushed, at a revoke, and at the end: at-least-once. With `--checkpoint`
/// they are committed only after a checkpoint holding them was written.
///
/// The consumer's state below is its own; the extensions in KafkaConsumer+Assignment.swift
/// (rebalances, start positions) and KafkaConsumer+Offsets.swift (applied offsets, commits)
/// work on it too.
final class KafkaConsumer {
  let url: KafkaURL
  private(set) var handle: OpaquePointer?
  private(set) var partitionCount = 0
  let line: KafkaMessageLine
  /// `--checkpoint`: no periodic commits; `commit(_:)` after each checkpoint.
  let checkpointed: Bool
  /// Inside a rebalance, before partitions are revoked: applies every piece already read
  /// (so what was handed out of a revoked partition is applied, and covered by the commit)
  /// and flushes the run's outputs (the rows of what is committed must be out first); false
  /// when that failed, and then nothing is committed.
  var settleOutputs: (() -> Bool)?
  /// Start positions from a checkpoint, by partition: they win over `start` and the group.
  var restoredOffsets: [Int32: Int64] = [:]

  /// Per partition: message lines waiting to be handed out, the first maybe partly handed.
  var buffers: [KafkaPartitionBuffer] = []
  var pendingBytes = 0
  static let maxPendingBytes = 1 << 20
  /// Per partition: the offset after the last applied message, or where the partition
  /// started when this process knows it (a checkpoint's offset, its own after a rebalance);
  /// nil before the first message of an assignment that started at the group's offset.
  var appliedOffsets: [Int64?] = []
  var committedOffsets: [Int64?] = []
  var assigned: Set<Int32> = []
  /// Partitions were assigned or revoked since the runner last gave the queries each
  /// partition's hold on the watermark.
  var assignmentChanged = false
  /// Per partition: pieces of its line stream ending at or before this position were handed
  /// out before its last revoke; the reader drops those not applied yet (`discards`).
  var revokedThrough: [Int64] = []
  /// Partitions revoked at the last rebalance with applied offsets not committed to the
  /// group: if the next assignment gives them back, they go on from there.
  var revokedApplied: [Int32: Int64] = [:]
  var assignedOnce = false
  var atEnd: Set<Int32> = []
  /// Wall-clock time of the last message per partition, for `--idle-timeout`.
  var lastMessageMillis: [Int64] = []
  var firstAssignment = true
  var needsAssignment = false
  /// A failure inside a rebalance callback, thrown from the next read.
  var fatal: RunError?
  var lastCommitMillis = Clock.monotonicMillis()
  static let commitIntervalMillis: Int64 = 5_000
  private var lastError: (text: String, millis: Int64)?
  private var polledToEmpty = false
  /// librdkafka writes a byte here when its queue goes from empty to not empty, so the reading
  /// loop can wait in poll(2) instead of spinning.
  private var wakePipe: [Int32] = [-1, -1]

  /// A run that failed before its end (the REPL goes on) still leaves the group.
  deinit { close() }

  init(url: KafkaURL, fields: [FieldPath], checkpointed: Bool) {
    self.url = url
    line = KafkaMessageLine(fields: fields)
    self.checkpointed = checkpointed
  }

  /// Creates the consumer, reads the topic's partition count (failing after
  /// `brokerTimeoutMillis` when no broker answers), and subscribes or assigns.
  func connect() throws(RunError) {
    var settings: [(String, String)] = [
      ("enable.auto.commit", "false"),
      ("enable.auto.offset.store", "false"),
      ("enable.partition.eof", "true"),
      ("auto.offset.reset", "earliest"),
      ("isolation.level", "read_committed"),
      ("queued.max.messages.kbytes", "16384"),
      ("allow.auto.create.topics", "false"),
    ]
    settings.append(("group.id", url.group ?? "streamsql-nogroup"))
    let conf = try KafkaConfig.make(url, settings)
    rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
    // Broker and network errors (served on this thread, inside a poll): said on stderr while
    // librdkafka reconnects by itself.
    rd_kafka_conf_set_error_cb(conf) { _, _, reason, opaque in
      guard let opaque, let reason else { return }
      let consumer = Unmanaged<KafkaConsumer>.fromOpaque(opaque).takeUnretainedValue()
      consumer.report(String(cString: reason))
    }
    rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
      guard let opaque, let rk, let partitions else { return }
      let consumer = Unmanaged<KafkaConsumer>.fromOpaque(opaque).takeUnretainedValue()
      consumer.rebalance(rk, err, partitions)
    }
    var error = [CChar](repeating: 0, count: 512)
    guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &error, error.count) else {
      throw RunError("\(url.text): cannot create a Kafka consumer: \(KafkaConfig.text(error))")
    }
    handle = rk
    rd_kafka_poll_set_consumer(rk)
    if pipe(&wakePipe) == 0, let queue = rd_kafka_queue_get_consumer(rk) {
      for fd in wakePipe { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
      var byte: UInt8 = 1
      rd_kafka_queue_io_event_enable(queue, wakePipe[1], &byte, 1)
      rd_kafka_queue_destroy(queue)
    }
    partitionCount = try KafkaConsumer.partitions(rk, url)
    let n = partitionCount
    buffers = Array(repeating: KafkaPartitionBuffer(), count: n)
    appliedOffsets = Array(repeating: nil, count: n)
    committedOffsets = Array(repeating: nil, count: n)
    revokedThrough = Array(repeating: -1, count: n)
    lastMessageMillis = Array(repeating: Clock.wallMillis(), count: n)
    let list = rd_kafka_topic_partition_list_new(Int32(n))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    if url.group != nil {
      rd_kafka_topic_partition_list_add(list, url.topic, RD_KAFKA_PARTITION_UA)
      let err = rd_kafka_subscribe(rk, list)
      guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw RunError("\(url.text): cannot subscribe: \(KafkaConfig.errorText(err))")
      }
      InputLog.say("\(url.text): joining consumer group '\(url.group!)'")
    } else {
      // Assigned at the first read, after a checkpoint's offsets were restored.
      needsAssignment = true
    }
  }

  /// The topic's partition count, from a metadata request.
  private static func partitions(_ rk: OpaquePointer, _ url: KafkaURL) throws(RunError) -> Int {
    let topic = rd_kafka_topic_new(rk, url.topic, nil)
    defer { if let topic { rd_kafka_topic_destroy(topic) } }
    var metadata: UnsafePointer<rd_kafka_metadata>?
    let err = rd_kafka_metadata(rk, 0, topic, &metadata, KafkaConfig.brokerTimeoutMillis)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
      throw RunError(
        "\(url.text): no Kafka broker answered at \(url.brokers) within \(KafkaConfig.brokerTimeoutMillis / 1000) s (\(KafkaConfig.errorText(err)))"
      )
    }
    defer { rd_kafka_metadata_destroy(metadata) }
    guard metadata.pointee.topic_cnt > 0, let t = metadata.pointee.topics?.pointee else {
      throw RunError("\(url.text): the broker sent no metadata for topic '\(url.topic)'")
    }
    if t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t.partition_cnt == 0 {
      throw RunError("\(url.text): topic '\(url.topic)' does not exist on \(url.brokers)")
    }
    guard t.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
      throw RunError("\(url.text): topic '\(url.topic)': \(KafkaConfig.errorText(t.err))")
    }
    return Int(t.partition_cnt)
  }

  // MARK: Reading

  /// Polls messages into the partitions' pending lines until nothing more is waiting or
  /// enough is pending.
  func fill(for partition: Int) throws(RunError) {
    guard let rk = handle else { return }
    if let fatal { throw fatal }
    if needsAssignment { try assignAll(rk) }
    polledToEmpty = false
    if wakePipe[0] >= 0 {
      var bytes = [UInt8](repeating: 0, count: 64)
      while read(wakePipe[0], &bytes, bytes.count) > 0 {}
    }
    // Not just until `partition` has a record: a read should hand out many records at once
    // (one scan job per record would cost more than the scanning).
    while pendingBytes < KafkaConsumer.maxPendingBytes {
      guard let message = rd_kafka_consumer_poll(rk, 0) else {
        polledToEmpty = true
        return
      }
      defer { rd_kafka_message_destroy(message) }
      try take(message)
    }
  }

  /// Whether a poll may have something: messages or events are queued in librdkafka.
  var mayHaveMore: Bool {
    if !polledToEmpty || needsAssignment { return true }
    guard wakePipe[0] >= 0 else { return true }
    return pollNow([pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0)])
  }

  /// What to wait on while nothing is ready.
  var pollRequests: [pollfd] {
    wakePipe[0] >= 0 ? [pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0)] : []
  }

  private func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>) throws(RunError) {
    let m = message.pointee
    let p = m.partition
    if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
      if Int(p) < partitionCount { atEnd.insert(p) }
      return
    }
    if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
      let text =
        m.payload.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
        ?? KafkaConfig.errorText(m.err)
      if m.err == RD_KAFKA_RESP_ERR__FATAL || m.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART {
        throw RunError("\(url.text): \(text)")
      }
      report(text)
      return
    }
    // Not assigned any more (a message fetched before a revoke): the next owner reads it.
    guard Int(p) < partitionCount, p >= 0, assigned.contains(p) else { return }
    if url.stopsAtEnd && atEnd.contains(p) { return }
    atEnd.remove(p)
    var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
    let ts = rd_kafka_message_timestamp(message, &type)
    let value = UnsafeRawBufferPointer(start: m.payload, count: m.payload == nil ? 0 : m.len)
    let key = m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) }
    let maker = line
    pendingBytes += buffers[Int(p)].append(next: m.offset + 1) { out in
      maker.append(
        value: value, key: key, partition: p, offset: m.offset,
        timestamp: type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts, to: &out)
    }
    lastMessageMillis[Int(p)] = Clock.wallMillis()
    lastError = nil
  }

  /// A broker or network error: said once, and again only if it persists for 30 s.
  func report(_ text: String) {
    let now = Clock.monotonicMillis()
    if let last = lastError, last.text == text, now - last.millis < 30_000 { return }
    lastError = (text, now)
    InputLog.say("\(url.text): \(text)")
  }

  /// Moves at most `buffer.count` bytes of `partition`'s pending lines into `buffer`.
  func take(partition p: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    let n = buffers[p].take(into: buffer)
    pendingBytes -= n
    return n
  }

  func hasPending(_ p: Int) -> Bool { buffers[p].unread > 0 }

  /// Whether partition `p` was read to its end (and nothing of it waits).
  func isAtEnd(_ p: Int) -> Bool { atEnd.contains(Int32(p)) && buffers[p].unread == 0 }

  /// `stop=end`: every assigned partition was read to its end.
  var allAssignedAtEnd: Bool {
    assignedOnce && assigned.allSatisfy { isAtEnd(Int($0)) }
  }

  func isAssigned(_ p: Int) -> Bool { assigned.contains(Int32(p)) }

  /// Leaves the group (revoking, and so committing, the partitions) and destroys the handle.
  func close() {
    guard let rk = handle else { return }
    if !checkpointed { commitApplied(rk, sync: true) }
    // Leave the group, waiting at most `closeMillis` (a gone broker would hold it for the
    // session timeout); the revoke that closing brings needs no commit any more.
    let queue = rd_kafka_queue_new(rk)
    if let error = rd_kafka_consumer_close_queue(rk, queue) {
      rd_kafka_error_destroy(error)
    } else {
      let deadline = Clock.monotonicMillis() + Int64(KafkaConsumer.closeMillis)
      while rd_kafka_consumer_closed(rk) == 0 && Clock.monotonicMillis() < deadline {
        guard let event = rd_kafka_queue_poll(queue, 100) else { continue }
        if rd_kafka_event_type(event) == 0x10 {  // RD_KAFKA_EVENT_REBALANCE
          rd_kafka_assign(rk, nil)
        }
        rd_kafka_event_destroy(event)
      }
    }
    rd_kafka_queue_destroy(queue)
    rd_kafka_destroy_flags(rk, 0x8)  // RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE: done above
    handle = nil
    for fd in wakePipe where fd >= 0 { POSIX.close(fd) }
    wakePipe = [-1, -1]
  }
}
