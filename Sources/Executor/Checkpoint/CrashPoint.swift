#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Named places in taking a checkpoint where the crash tests make the process die, as a
/// `kill -9` landing exactly there would: `STREAMSQL_CRASH_AT=NAME:N` makes the N-th time
/// the run reaches NAME (counting only checkpoints whose Kafka transaction holds records)
/// send the process SIGKILL. Unset, as in every normal run, it costs one comparison.
///
/// Timing a real `kill -9` into the instant between writing a checkpoint and committing its
/// Kafka transaction is not possible from outside; this is how
/// `KafkaCheckpointCrashTests` proves each such instant neither loses nor repeats a row.
enum CrashPoint: String {
  /// The records of the next checkpoint were delivered (uncommitted); it is not written yet.
  case beforeCheckpoint = "before-checkpoint"
  /// The checkpoint being replaced was kept as `checkpoint.previous.bin`; the new one is not
  /// in place yet.
  case previousKept = "previous-kept"
  /// The new checkpoint is written; its Kafka transaction is not committed.
  case checkpointWritten = "checkpoint-written"
  /// The transaction is committed; the source's offsets are not committed to its group.
  case transactionCommitted = "transaction-committed"

  private static let armed: (point: CrashPoint, count: Int)? = {
    guard let text = getenv("STREAMSQL_CRASH_AT").map({ String(cString: $0) }) else {
      return nil
    }
    let parts = text.split(separator: ":")
    guard let point = parts.first.flatMap({ CrashPoint(rawValue: String($0)) }) else {
      return nil
    }
    return (point, parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
  }()

  /// Checkpoints with records in their transaction seen so far (the N of `NAME:N`).
  nonisolated(unsafe) private static var seen = 0
  /// Whether the checkpoint being taken counts (its transaction holds records).
  nonisolated(unsafe) static var counting = false

  /// Dies here if this is the armed place and the armed count was reached.
  static func reach(_ point: CrashPoint) {
    guard let armed, armed.point == point, counting else { return }
    seen += 1
    if seen >= armed.count { kill(getpid(), SIGKILL) }
  }
}
