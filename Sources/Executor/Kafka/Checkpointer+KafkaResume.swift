import Planner

/// Which checkpoint a restart resumes from when the run has a transactional Kafka sink.
///
/// Each checkpoint N is taken in two phases: its rows are delivered in the open transaction
/// together with the mark N (`KafkaProducer.mark`), the checkpoint is written while the one
/// before it is kept as `checkpoint.previous.bin`, and only then is the transaction
/// committed. So `checkpoint.bin` may be ahead of what `read_committed` consumers see by one
/// transaction, never more, and never behind. After a crash the restart fences the crashed
/// producer (aborting its open transaction, or finishing one it was committing) and reads
/// the last committed mark:
///
/// - the newest checkpoint's mark: its rows are committed; resume from it;
/// - the previous checkpoint's mark: the newest one's transaction was aborted; resume from the
///   previous one, so its rows since then are produced again (and output files are cut back,
///   and sources sought back, to the previous checkpoint, as for any resume). The previous one
///   becomes the newest again, so the abandoned one is never kept as a previous;
/// - no mark of this lineage and no previous checkpoint: the first checkpoint's transaction
///   was aborted; start from the beginning, as if no checkpoint had been taken.
///
/// Anything else (the marks of another directory, a topic recreated) cannot be told apart
/// from a lost or repeated transaction and is refused.
extension Checkpointer {
  /// `settings` with the checkpoint to resume from: the newest, the previous one, or none.
  static func chooseResume(_ settings: CheckpointSettings, plan: ScriptPlan) throws(RunError)
    -> CheckpointSettings
  {
    guard let newest = settings.resume, newest.sequence > 0,
      let url = firstKafkaSink(plan)
    else { return settings }
    let directory = settings.directory
    let id = KafkaProducer.transactionalID(
      prefix: KafkaTopicSink.transactionalPrefix(directory: directory), url)
    let mark = try KafkaProducer.committedMark(url: url, transactionalID: id)
    let ours = mark.flatMap { $0.lineage == newest.lineage ? $0.sequence : nil }
    if let ours, ours >= newest.sequence { return settings }
    let from = "cannot resume from the checkpoint in '\(directory)'"
    let previous: Checkpoint?
    do throws(CheckpointError) {
      previous = try Checkpoint.loadPrevious(from: directory).flatMap {
        $0.lineage == newest.lineage && $0.sequence < newest.sequence ? $0 : nil
      }
    } catch {
      throw RunError("\(from): \(error.message)")
    }
    let taken = Timestamp.format(newest.takenAt)
    var chosen = settings
    if let previous, ours == previous.sequence, previous.fingerprint == newest.fingerprint {
      InputLog.say(
        "the Kafka transaction of the checkpoint in '\(directory)' taken at \(taken) did not commit; resuming from the one before it, so the rows since then are produced again"
      )
      // The abandoned checkpoint must not become the previous of the next one.
      do throws(CheckpointError) {
        try Checkpoint.revertToPrevious(in: directory)
      } catch {
        throw RunError(error.message)
      }
      chosen.resume = previous
      return chosen
    }
    if previous == nil && ours == nil {
      InputLog.say(
        "the Kafka transaction of the first checkpoint in '\(directory)' (taken at \(taken)) did not commit; starting from the beginning"
      )
      do throws(CheckpointError) {
        try Checkpoint.remove(from: directory)
      } catch {
        throw RunError(error.message)
      }
      chosen.resume = nil
      return chosen
    }
    let committed = ours.map { "checkpoint \($0)" } ?? "none of this checkpoint directory"
    throw RunError(
      "\(from): the Kafka transactions committed by group '\(id)' (\(committed)) do not match its checkpoints (newest \(newest.sequence)\(previous.map { ", previous \($0.sequence)" } ?? "")), so rows could be lost or repeated; --reset-checkpoint starts over"
    )
  }

  /// The URL of the first query writing to Kafka: its producer carries the checkpoint marks.
  static func firstKafkaSink(_ plan: ScriptPlan) -> KafkaURL? {
    for query in plan.queries {
      if case .kafka(let url) = query.sink { return url }
    }
    return nil
  }
}
