import CRdKafka
import Planner

/// Offsets: which records were applied (mapped back from byte positions of a partition's line
/// stream) and committing them to the group, periodically without `--checkpoint`, after each
/// checkpoint with it.
extension KafkaConsumer {
  /// The rows of partition `p` up to byte `position` of its line stream were applied.
  func applied(partition p: Int, upTo position: Int64) {
    if let next = buffers[p].applied(upTo: position) { appliedOffsets[p] = next }
  }

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

  func commitApplied(_ rk: OpaquePointer, sync: Bool) {
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

  func commit(
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
}
