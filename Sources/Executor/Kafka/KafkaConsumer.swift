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
final class KafkaConsumer {
  let url: KafkaURL
  private(set) var handle: OpaquePointer?
  private(set) var partitionCount = 0
  let line: KafkaMessageLine
  /// `--checkpoint`: no periodic commits; `commit(_:)` after each checkpoint.
  let checkpointed: Bool
  /// Flushes the run's outputs before a commit made inside a rebalance (the rows of what is
  /// committed must be out first); false when that failed, and then nothing is committed.
  var flushOutputs: (() -> Bool)?
  /// Start positions from a checkpoint, by partition: they win over `start` and the group.
  var restoredOffsets: [Int32: Int64] = [:]

  /// Per partition: message lines waiting to be handed out, the first maybe partly handed.
  private var pending: [[[UInt8]]] = []
  private var pendingHead: [Int] = []
  private var pendingOffsets: [[Int64]] = []
  private var pendingBytes = 0
  static let maxPendingBytes = 1 << 20
  /// Per partition: bytes handed to the reader so far, and (end byte, next offset) of handed
  /// messages not yet known to be applied.
  private var handedBytes: [Int64] = []
  private var marks: [[(end: Int64, next: Int64)]] = []
  /// Per partition: the offset after the last applied message; nil before the first.
  private(set) var appliedOffsets: [Int64?] = []
  private var committedOffsets: [Int64?] = []
  private(set) var assigned: Set<Int32> = []
  private(set) var assignedOnce = false
  private var atEnd: Set<Int32> = []
  /// Wall-clock time of the last message per partition, for `--idle-timeout`.
  private(set) var lastMessageMillis: [Int64] = []
  private var firstAssignment = true
  private var needsAssignment = false
  /// A failure inside a rebalance callback, thrown from the next read.
  private var fatal: RunError?
  private var lastCommitMillis = Clock.monotonicMillis()
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
    pending = Array(repeating: [], count: n)
    pendingHead = Array(repeating: 0, count: n)
    pendingOffsets = Array(repeating: [], count: n)
    handedBytes = Array(repeating: 0, count: n)
    marks = Array(repeating: [], count: n)
    appliedOffsets = Array(repeating: nil, count: n)
    committedOffsets = Array(repeating: nil, count: n)
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

  /// Without a group: every partition, assigned once.
  private func assignAll(_ rk: OpaquePointer) throws(RunError) {
    needsAssignment = false
    let list = rd_kafka_topic_partition_list_new(Int32(partitionCount))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for p in 0..<partitionCount { rd_kafka_topic_partition_list_add(list, url.topic, Int32(p)) }
    try assign(rk, list)
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

  // MARK: Assignment

  private func rebalance(
    _ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
  ) {
    let list = partitions.pointee
    let numbers = (0..<Int(list.cnt)).map { list.elems[$0].partition }
    if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
      do throws(RunError) {
        try assign(rk, partitions)
      } catch {
        // Thrown from the next read: the run stops (exit 1) rather than read nothing.
        fatal = error
        rd_kafka_assign(rk, nil)
      }
      return
    }
    // Revoked: commit what was applied, drop what was not handed out yet (the next owner
    // reads it), and stop holding the watermark.
    if !checkpointed, flushOutputs?() ?? true { commitApplied(rk, sync: true) }
    for p in numbers where Int(p) < partitionCount {
      dropPending(Int(p))
      assigned.remove(p)
      atEnd.remove(p)
    }
    rd_kafka_assign(rk, nil)
    InputLog.say(
      "\(url.text): partitions revoked: \(numbers.map(String.init).joined(separator: ", "))")
  }

  /// Sets each partition's start (a checkpoint's offset, else on the first assignment the
  /// `start` option, else the group's committed offset) and assigns them.
  private func assign(
    _ rk: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
  )
    throws(RunError)
  {
    let count = Int(list.pointee.cnt)
    var byTime: [Int] = []
    for i in 0..<count {
      let p = list.pointee.elems[i].partition
      if let offset = restoredOffsets[p] {
        list.pointee.elems[i].offset = offset
        continue
      }
      guard firstAssignment || url.group == nil else {
        list.pointee.elems[i].offset = -1001  // RD_KAFKA_OFFSET_INVALID: the committed offset
        continue
      }
      switch url.start {
      case .committed: list.pointee.elems[i].offset = url.group == nil ? -2 : -1001
      case .earliest: list.pointee.elems[i].offset = -2  // RD_KAFKA_OFFSET_BEGINNING
      case .latest: list.pointee.elems[i].offset = -1  // RD_KAFKA_OFFSET_END
      case .time(let ms):
        list.pointee.elems[i].offset = ms
        byTime.append(i)
      }
    }
    if !byTime.isEmpty {
      let err = rd_kafka_offsets_for_times(rk, list, KafkaConfig.brokerTimeoutMillis)
      guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw RunError("\(url.text): cannot look up offsets by time: \(KafkaConfig.errorText(err))")
      }
      // A partition without a message at or after the time starts at its end.
      for i in byTime where list.pointee.elems[i].offset < 0 { list.pointee.elems[i].offset = -1 }
    }
    firstAssignment = false
    let err = rd_kafka_assign(rk, list)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
      throw RunError("\(url.text): cannot assign partitions: \(KafkaConfig.errorText(err))")
    }
    var numbers: [Int32] = []
    for i in 0..<count {
      let p = list.pointee.elems[i].partition
      guard Int(p) < partitionCount else {
        InputLog.say(
          "\(url.text): partition \(p) was added to the topic after the start; restart to read it")
        continue
      }
      numbers.append(p)
      assigned.insert(p)
      atEnd.remove(p)
      lastMessageMillis[Int(p)] = Clock.wallMillis()
    }
    assignedOnce = true
    InputLog.say(
      "\(url.text): partitions assigned: \(numbers.sorted().map(String.init).joined(separator: ", "))"
    )
  }

  private func dropPending(_ p: Int) {
    // A message partly handed out is finished; the rest goes to the next owner.
    let keep = pendingHead[p] > 0 ? 1 : 0
    for line in pending[p].dropFirst(keep) { pendingBytes -= line.count }
    pending[p].removeLast(pending[p].count - keep)
    pendingOffsets[p].removeLast(pendingOffsets[p].count - keep)
  }

  // MARK: Reading

  /// Polls messages into the partitions' pending lines until `partition` has some, nothing
  /// more is waiting, or enough is pending.
  func fill(for partition: Int) throws(RunError) {
    guard let rk = handle else { return }
    if let fatal { throw fatal }
    if needsAssignment { try assignAll(rk) }
    polledToEmpty = false
    if wakePipe[0] >= 0 {
      var bytes = [UInt8](repeating: 0, count: 64)
      while read(wakePipe[0], &bytes, bytes.count) > 0 {}
    }
    while pending[partition].isEmpty && pendingBytes < KafkaConsumer.maxPendingBytes {
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
    var out: [UInt8] = []
    out.reserveCapacity(m.len + 80)
    var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
    let ts = rd_kafka_message_timestamp(message, &type)
    let value = UnsafeRawBufferPointer(start: m.payload, count: m.payload == nil ? 0 : m.len)
    let key = m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) }
    line.append(
      value: value, key: key, partition: p, offset: m.offset,
      timestamp: type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts, to: &out)
    pending[Int(p)].append(out)
    pendingOffsets[Int(p)].append(m.offset + 1)
    pendingBytes += out.count
    lastMessageMillis[Int(p)] = Clock.wallMillis()
    lastError = nil
  }

  /// A broker or network error: said once, and again only if it persists for 30 s.
  private func report(_ text: String) {
    let now = Clock.monotonicMillis()
    if let last = lastError, last.text == text, now - last.millis < 30_000 { return }
    lastError = (text, now)
    InputLog.say("\(url.text): \(text)")
  }

  /// Moves at most `buffer.count` bytes of `partition`'s pending lines into `buffer`.
  func take(partition p: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    var n = 0
    while n < buffer.count, !pending[p].isEmpty {
      let line = pending[p][0]
      let head = pendingHead[p]
      let k = min(line.count - head, buffer.count - n)
      line.withUnsafeBytes { src in
        (buffer.baseAddress! + n).copyMemory(from: src.baseAddress! + head, byteCount: k)
      }
      n += k
      handedBytes[p] += Int64(k)
      if head + k == line.count {
        pending[p].removeFirst()
        marks[p].append((handedBytes[p], pendingOffsets[p].removeFirst()))
        pendingHead[p] = 0
        pendingBytes -= line.count
      } else {
        pendingHead[p] = head + k
      }
    }
    return n
  }

  func hasPending(_ p: Int) -> Bool { !pending[p].isEmpty }

  /// Whether partition `p` was read to its end (and nothing of it waits).
  func isAtEnd(_ p: Int) -> Bool { atEnd.contains(Int32(p)) && pending[p].isEmpty }

  /// `stop=end`: every assigned partition was read to its end.
  var allAssignedAtEnd: Bool {
    assignedOnce && assigned.allSatisfy { isAtEnd(Int($0)) }
  }

  func isAssigned(_ p: Int) -> Bool { assigned.contains(Int32(p)) }

  /// The rows of partition `p` up to byte `position` of its line stream were applied.
  func applied(partition p: Int, upTo position: Int64) {
    var k = 0
    while k < marks[p].count, marks[p][k].end <= position {
      appliedOffsets[p] = marks[p][k].next
      k += 1
    }
    if k > 0 { marks[p].removeFirst(k) }
  }

  // MARK: Commits

  /// Without `--checkpoint`: whether a periodic commit is due (the runner flushes its outputs
  /// first, then calls `commitApplied`).
  var commitDue: Bool {
    !checkpointed && url.group != nil
      && Clock.monotonicMillis() - lastCommitMillis >= KafkaConsumer.commitIntervalMillis
      && appliedOffsets.indices.contains { appliedOffsets[$0] != committedOffsets[$0] }
  }

  /// How long until a periodic commit of applied offsets is due, if one will be: the reading
  /// loop wakes up for it even while no message arrives.
  var commitWakeMillis: Int32? {
    guard !checkpointed, url.group != nil,
      appliedOffsets.indices.contains(where: { appliedOffsets[$0] != committedOffsets[$0] })
    else { return nil }
    let left = KafkaConsumer.commitIntervalMillis - (Clock.monotonicMillis() - lastCommitMillis)
    return Int32(clamping: max(1, left))
  }

  /// Commits the applied offsets of assigned partitions to the group.
  func commitApplied(sync: Bool) {
    guard let rk = handle else { return }
    commitApplied(rk, sync: sync)
  }

  private func commitApplied(_ rk: OpaquePointer, sync: Bool) {
    lastCommitMillis = Clock.monotonicMillis()
    guard url.group != nil else { return }
    commit(
      rk, appliedOffsets.enumerated().compactMap { p, o in o.map { (Int32(p), $0) } }, sync: sync)
  }

  /// Commits the given offsets (next offset to read, by partition) of assigned partitions.
  func commit(_ offsets: [(partition: Int32, offset: Int64)], sync: Bool) {
    guard let rk = handle else { return }
    commit(rk, offsets, sync: sync)
  }

  private func commit(
    _ rk: OpaquePointer, _ offsets: [(partition: Int32, offset: Int64)], sync: Bool
  ) {
    let mine = offsets.filter {
      assigned.contains($0.partition) && committedOffsets[Int($0.partition)] != $0.offset
    }
    guard url.group != nil, !mine.isEmpty else { return }
    let list = rd_kafka_topic_partition_list_new(Int32(mine.count))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for (p, o) in mine { rd_kafka_topic_partition_list_add(list, url.topic, p).pointee.offset = o }
    guard sync else {
      if rd_kafka_commit(rk, list, 1) == RD_KAFKA_RESP_ERR_NO_ERROR {
        for (p, o) in mine { committedOffsets[Int(p)] = o }
      }
      return
    }
    // A synchronous commit waits at most `closeMillis`: with the broker gone, librdkafka's
    // own wait would be its socket timeout (a minute), and a stop must not hang on it.
    let queue = rd_kafka_queue_new(rk)
    defer { rd_kafka_queue_destroy(queue) }
    var err = rd_kafka_commit_queue(rk, list, queue, nil, nil)
    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
      if let event = rd_kafka_queue_poll(queue, KafkaConsumer.closeMillis) {
        err = rd_kafka_event_error(event)
        rd_kafka_event_destroy(event)
      } else {
        err = RD_KAFKA_RESP_ERR__TIMED_OUT
      }
    }
    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
      for (p, o) in mine { committedOffsets[Int(p)] = o }
    } else {
      report(
        "cannot commit offsets (\(KafkaConfig.errorText(err))); records after the last commit will be read again"
      )
    }
  }

  /// The longest a commit or leaving the group may take at a revoke or the end of a run.
  static let closeMillis: Int32 = 5_000

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
