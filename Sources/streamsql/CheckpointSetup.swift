import Executor
import Planner

/// `--checkpoint DIR`, `--checkpoint-interval` and `--reset-checkpoint` on the command line:
/// refuses what cannot be resumed exactly, and a checkpoint taken for another query, with
/// exit status 2 before anything is read or written.
enum CheckpointSetup {
  /// Usage errors that need no plan.
  static func validate(_ arguments: RunArguments) throws {
    if arguments.checkpoint == nil {
      if arguments.resetCheckpoint {
        throw CLIExit(code: 2, message: "error: --reset-checkpoint needs --checkpoint DIR")
      }
      return
    }
    guard let ms = DurationParser.milliseconds(arguments.checkpointInterval), ms > 0 else {
      throw CLIExit(
        code: 2, message: "error: --checkpoint-interval takes a duration such as 200ms, 10s or 1m")
    }
  }

  /// The executor's checkpoint settings for this run, nil without `--checkpoint`.
  static func settings(_ arguments: RunArguments, plan: ScriptPlan, options: RunOptions) throws
    -> CheckpointSettings?
  {
    guard let directory = arguments.checkpoint else { return nil }
    if let why = CheckpointSupport.refusal(plan: plan, options: options) {
      throw CLIExit(code: 2, message: "error: \(why)")
    }
    let fingerprint = CheckpointSupport.fingerprint(plan: plan, options: options)
    let interval = DurationParser.milliseconds(arguments.checkpointInterval) ?? 10_000
    do throws(CheckpointError) {
      try Checkpoint.prepareDirectory(directory)
      if arguments.resetCheckpoint { try Checkpoint.remove(from: directory) }
      let resume = try Checkpoint.load(from: directory)
      if let resume,
        let change = CheckpointSupport.difference(old: resume.fingerprint, new: fingerprint)
      {
        throw CheckpointError(
          "the checkpoint in '\(directory)' was taken for a different query or options; \(change)\n"
            + "Run the original command to resume, or add --reset-checkpoint to start over.")
      }
      return CheckpointSettings(
        directory: directory, intervalMillis: interval, fingerprint: fingerprint, resume: resume)
    } catch {
      throw CLIExit(code: 2, message: "error: \(error.message)")
    }
  }
}
