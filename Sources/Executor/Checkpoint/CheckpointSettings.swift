/// `--checkpoint DIR` as the executor receives it: where, how often, what the run is (its
/// fingerprint), and the checkpoint to resume from, if DIR held one that matched.
public struct CheckpointSettings: Sendable {
  public var directory: String
  /// `--checkpoint-interval`: wall time between checkpoints, checked between pieces of input.
  public var intervalMillis: Int64
  /// `CheckpointSupport.fingerprint(plan:options:)` of this run.
  public var fingerprint: String
  /// The checkpoint to resume from; nil starts from the beginning of every input.
  public var resume: Checkpoint?

  public init(directory: String, intervalMillis: Int64, fingerprint: String, resume: Checkpoint?) {
    self.directory = directory
    self.intervalMillis = intervalMillis
    self.fingerprint = fingerprint
    self.resume = resume
  }
}
