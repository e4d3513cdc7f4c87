#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One partition of a `kafka://` source, as the reading loop sees it: an input of its own, so
/// the query keeps a watermark per partition and the stream's watermark is the minimum over
/// the partitions (SPEC 4: one input's lag does not make the others' rows late).
///
/// A partition holds the watermark back while it is assigned to this process and, with
/// `--idle-timeout d`, has had a message within d; an unassigned or idle partition does not.
/// With `stop=end` it ends once read to its end (an unassigned one ends with the last
/// assigned one).
final class KafkaPartitionInput: Input {
  let consumer: KafkaConsumer
  let partition: Int
  let name: String
  private(set) var finished = false
  /// `--idle-timeout` in ms, nil without.
  let idleMillis: Int64?

  init(consumer: KafkaConsumer, partition: Int, idleMillis: Int64?) {
    self.consumer = consumer
    self.partition = partition
    self.idleMillis = idleMillis
    name = "\(consumer.url.text)#\(partition)"
  }

  /// How the partition takes part in the watermark now: not assigned here, idle, or holding.
  var watermarkHold: InputHold {
    guard !finished, consumer.isAssigned(partition) else { return .absent }
    if consumer.hasPending(partition) { return .holds }
    if let idleMillis, Clock.wallMillis() - consumer.lastMessageMillis[partition] >= idleMillis {
      return .idle
    }
    return .holds
  }

  func isReady() -> Bool {
    guard !finished else { return false }
    if consumer.hasPending(partition) || consumer.mayHaveMore { return true }
    return consumer.url.stopsAtEnd
      && (consumer.isAssigned(partition) ? consumer.isAtEnd(partition) : consumer.allAssignedAtEnd)
  }

  func next(into buffer: UnsafeMutableRawBufferPointer) throws(RunError) -> InputEvent {
    if !consumer.hasPending(partition) { try consumer.fill(for: partition) }
    let n = consumer.take(partition: partition, into: buffer)
    if n > 0 { return .data(count: n, stream: 0) }
    if consumer.url.stopsAtEnd
      && (consumer.isAssigned(partition)
        ? consumer.isAtEnd(partition) : consumer.allAssignedAtEnd)
    {
      return .ended
    }
    return .idle
  }

  func pollRequests() -> [pollfd] { finished ? [] : consumer.pollRequests }

  /// Look again when the partition would turn idle (`--idle-timeout`) or offsets are due to be
  /// committed.
  func wakeAfterMillis() -> Int32? {
    guard !finished else { return nil }
    var wake = consumer.commitWakeMillis
    if let idleMillis, consumer.isAssigned(partition) {
      let left = idleMillis - (Clock.wallMillis() - consumer.lastMessageMillis[partition])
      if left > 0 { wake = min(wake ?? Int32.max, Int32(clamping: left + 1)) }
    }
    return wake
  }

  /// Marks the partition done; the consumer itself is closed at the end of the run, after
  /// the outputs were flushed (`ScriptRunner.closeKafka`), so its last commit covers them.
  func close() { finished = true }
}
