import CRdKafka
import Planner

/// Assignment: which partitions this process reads, and where each starts. With a group,
/// librdkafka calls `rebalance` (inside a poll, on the reading thread) when partitions are
/// assigned or revoked; without one, every partition is assigned at the first read.
extension KafkaConsumer {
  /// Without a group: every partition, assigned once.
  func assignAll(_ rk: OpaquePointer) throws(RunError) {
    needsAssignment = false
    let list = rd_kafka_topic_partition_list_new(Int32(partitionCount))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for p in 0..<partitionCount { rd_kafka_topic_partition_list_add(list, url.topic, Int32(p)) }
    try assign(rk, list)
  }

  func rebalance(
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
    // Revoked: apply what was handed out and commit it, drop what was not handed out yet (the
    // next owner reads it from the committed offset), and stop holding the watermark.
    let settled = settleOutputs?() ?? true
    if !checkpointed && settled { commitApplied(rk, sync: true) }
    for p in numbers where Int(p) < partitionCount {
      dropPending(Int(p))
      revokedThrough[Int(p)] = buffers[Int(p)].streamEnd
      // Applied but not committed (with --checkpoint, or a broker that refuses commits during
      // a rebalance): if the partition comes straight back, go on from here.
      if let applied = appliedOffsets[Int(p)], applied != committedOffsets[Int(p)] {
        revokedApplied[p] = applied
      }
      assigned.remove(p)
      atEnd.remove(p)
    }
    rd_kafka_assign(rk, nil)
    assignmentChanged = true
    InputLog.say(
      "\(url.text): partitions revoked: \(numbers.map(String.init).joined(separator: ", "))")
  }

  /// Sets each partition's start (where this process stopped when it was revoked and given
  /// straight back, else a checkpoint's offset, else on the first assignment the `start`
  /// option, else the group's committed offset) and assigns them.
  func assign(
    _ rk: OpaquePointer, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
  )
    throws(RunError)
  {
    let count = Int(list.pointee.cnt)
    var byTime: [Int] = []
    // Partitions revoked and given back: nobody else read them in between.
    let ownOffsets = revokedApplied
    revokedApplied = [:]
    for i in 0..<count {
      let p = list.pointee.elems[i].partition
      let known = Int(p) < partitionCount
      // A checkpoint's offset counts for the first assignment; after that, this process's own
      // position (kept in `appliedOffsets` from here on) or the group's is the newer.
      let restored = restoredOffsets.removeValue(forKey: p)
      if let offset = ownOffsets[p] ?? restored {
        list.pointee.elems[i].offset = offset
        if known { appliedOffsets[Int(p)] = offset }
        continue
      }
      // Whatever this process applied of it before is not where it starts now.
      if known { appliedOffsets[Int(p)] = nil }
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
    assignmentChanged = true
    InputLog.say(
      "\(url.text): partitions assigned: \(numbers.sorted().map(String.init).joined(separator: ", "))"
    )
  }

  /// Whether a piece of partition `p`'s line stream ending at `position`, about to be
  /// applied, was handed out before the partition was revoked: its records belong to the
  /// partition's next owner, which reads them from the offset committed at the revoke.
  func discards(partition p: Int, endingAt position: Int64) -> Bool {
    position >= 0 && position <= revokedThrough[p]
  }

  func dropPending(_ p: Int) {
    // A record partly handed out is finished; the rest goes to the next owner.
    pendingBytes -= buffers[p].dropUnread()
  }
}
