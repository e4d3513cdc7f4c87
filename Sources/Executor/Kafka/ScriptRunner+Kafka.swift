import Planner

/// The run's side of `kafka://` sources: opening one input per partition, telling the queries
/// which partitions hold the watermark, mapping applied pieces back to offsets, committing
/// them, and closing the consumers after the last output was flushed.
extension ScriptRunner {
  /// One `KafkaPartitionInput` per partition of the topic, sharing one consumer.
  func openKafka(_ text: String, fields: [FieldPath]) throws(RunError) -> [any Input] {
    let url: KafkaURL
    switch KafkaURL.parse(text, role: .source) {
    case .success(let u): url = u
    case .failure(let e): throw RunError(e.message)
    }
    let consumer = KafkaConsumer(
      url: url, fields: fields, checkpointed: options.checkpoint != nil)
    consumer.settleOutputs = { [unowned self, unowned consumer] in
      do throws(RunError) {
        try applyInflight()
        for sink in sinks { try sink.flush() }
        return true
      } catch {
        // Thrown from the next read: the run stops as it would have outside the rebalance.
        if consumer.fatal == nil { consumer.fatal = error }
        return false
      }
    }
    try consumer.connect()
    return (0..<consumer.partitionCount).map {
      KafkaPartitionInput(consumer: consumer, partition: $0, idleMillis: options.idleTimeoutMillis)
    }
  }

  /// The consumers of the run's Kafka inputs, each once.
  var kafkaConsumers: [KafkaConsumer] {
    var seen = Set<ObjectIdentifier>()
    var out: [KafkaConsumer] = []
    for source in sources {
      for case let k as KafkaPartitionInput in source.inputs
      where seen.insert(ObjectIdentifier(k.consumer)).inserted {
        out.append(k.consumer)
      }
    }
    return out
  }

  /// Called by the reading loop: each partition's hold on the watermark (assigned, not idle)
  /// goes to the queries; without `--checkpoint`, when a periodic commit is due, the outputs
  /// are flushed and then the applied offsets committed (at-least-once).
  func syncKafka() throws(RunError) {
    try syncKafkaHolds()
    guard kafkaConsumers.contains(where: \.commitDue) else { return }
    for sink in sinks { try sink.flush() }
    for consumer in kafkaConsumers { consumer.commitApplied(sync: false) }
  }

  /// Each partition's hold on the watermark goes to the queries of its source.
  private func syncKafkaHolds() throws(RunError) {
    for source in sources {
      for (i, input) in source.inputs.enumerated() {
        guard let k = input as? KafkaPartitionInput else { continue }
        k.consumer.assignmentChanged = false
        let hold = k.watermarkHold
        for q in source.queries { try q.setInputHold(i, hold) }
      }
    }
  }

  /// Called before `job` is applied; false when it must not be.
  ///
  /// When partitions were assigned or revoked since the holds were last given to the queries
  /// (the rebalance came inside a read of this loop), they are given first: otherwise the
  /// first records of a newly assigned partition would move the watermark while the other
  /// new partitions did not hold it yet, and their rows would be late.
  ///
  /// A job of a partition revoked since it was read (the rest of a record partly handed out
  /// at the revoke; everything handed out before was applied then) is not applied: the
  /// partition's next owner reads it from the offset committed at the revoke.
  func kafkaBeforeApply(_ job: ScanJob, _ source: SourceReader) throws(RunError) -> Bool {
    guard job.input < source.inputs.count,
      let k = source.inputs[job.input] as? KafkaPartitionInput
    else { return true }
    if k.consumer.assignmentChanged { try syncKafkaHolds() }
    return !k.consumer.discards(partition: k.partition, endingAt: job.endOffset)
  }

  /// A piece of a partition was applied: its end is known as an offset from now on.
  func kafkaApplied(_ job: ScanJob, _ source: SourceReader) {
    guard job.endOffset >= 0, job.input < source.inputs.count,
      let k = source.inputs[job.input] as? KafkaPartitionInput
    else { return }
    k.consumer.applied(partition: k.partition, upTo: job.endOffset)
  }

  /// End of the run, outputs flushed: the last commit, then the consumers leave their groups.
  func closeKafka() {
    for consumer in kafkaConsumers { consumer.close() }
  }
}
