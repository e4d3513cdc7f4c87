/// Kafka in `--checkpoint`s: each partition's position is the offset after the last message
/// whose rows the checkpoint's state holds. On resume the partitions are read from those
/// offsets (whatever the group committed); after each checkpoint is written, the Kafka sinks'
/// transaction (carrying the checkpoint's mark) is committed, then its offsets are committed
/// to the group, so neither the group nor a `read_committed` reader ever gets ahead of a
/// checkpoint. Which checkpoint a restart resumes from: Checkpointer+KafkaResume.swift.
extension Checkpointer {
  /// Checks a saved position belongs to this partition and makes it the partition's start.
  static func restoreKafka(
    _ saved: Checkpoint.InputPosition, _ k: Int, _ partition: KafkaPartitionInput, from: String
  ) throws(RunError) {
    guard saved.path == partition.name else {
      throw RunError(
        "\(from): input \(k) was '\(saved.path)', now it is '\(partition.name)'; --reset-checkpoint starts over"
      )
    }
    if saved.offset >= 0 {
      partition.consumer.restoredOffsets[Int32(partition.partition)] = saved.offset
    }
  }

  /// The transactional producers of the Kafka sinks among `sinks`, each once.
  static func transactionalProducers(_ sinks: [OutputSink]) -> [KafkaProducer] {
    var seen = Set<ObjectIdentifier>()
    return sinks.compactMap { sink in
      guard let p = sink.kafka?.producer, p.transactional,
        seen.insert(ObjectIdentifier(p)).inserted
      else { return nil }
      return p
    }
  }

  /// After a checkpoint was written: the sinks' transaction (with the checkpoint's mark),
  /// then the group's offsets.
  func checkpointWritten(_ inputs: [Checkpoint.InputPosition], sinks: [OutputSink])
    throws(RunError)
  {
    for producer in Checkpointer.transactionalProducers(sinks) {
      try producer.commitTransaction()
    }
    CrashPoint.reach(.transactionCommitted)
    var k = 0
    var commits: [ObjectIdentifier: (KafkaConsumer, [(partition: Int32, offset: Int64)])] = [:]
    for source in identities {
      for identity in source {
        defer { k += 1 }
        guard case .kafka(let p) = identity, inputs[k].offset >= 0 else { continue }
        commits[ObjectIdentifier(p.consumer), default: (p.consumer, [])].1.append(
          (Int32(p.partition), inputs[k].offset))
      }
    }
    for (consumer, offsets) in commits.values { consumer.commit(offsets, sync: true) }
  }
}

extension KafkaPartitionInput {
  /// The partition's place in a checkpoint: the offset after its last applied message (-1
  /// when none was applied: the partition then starts as without a checkpoint).
  func checkpointPosition(ended: Bool, lines: Int) -> Checkpoint.InputPosition {
    Checkpoint.InputPosition(
      path: name, device: 0, inode: 0, offset: consumer.appliedOffsets[partition] ?? -1,
      tailHash: 0, ended: ended, lines: lines, streamed: false)
  }
}
