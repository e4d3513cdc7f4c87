import Planner

/// `--replay-speed`, `--from` and `--until`: replay a recorded stream paced by its event time,
/// or a slice of it (issue 6, part 5).
///
/// Only timing depends on the speed, never results: rows are applied in the same order with the
/// same event times, and `--from`/`--until` skip rows by event time alone. Every query must
/// have an event time (checked before anything is read).
public struct ReplayOptions: Sendable, Equatable {
  /// Event-time milliseconds per wall-clock millisecond; nil is `max` (no pacing).
  public var speed: Double?
  /// Rows with event time before `from` or at/after `until` are skipped (counted, not bad).
  public var fromMillis: Int64?
  public var untilMillis: Int64?

  public init(speed: Double? = nil, fromMillis: Int64? = nil, untilMillis: Int64? = nil) {
    self.speed = speed
    self.fromMillis = fromMillis
    self.untilMillis = untilMillis
  }

  /// Whether event time `t` is in [from, until).
  @inline(__always) func contains(_ t: Int64) -> Bool {
    if let fromMillis, t < fromMillis { return false }
    if let untilMillis, t >= untilMillis { return false }
    return true
  }

  public var selectsRange: Bool { fromMillis != nil || untilMillis != nil }

  /// The queries that cannot be replayed because their time is the wall clock, by label.
  public static func queriesWithoutEventTime(_ plan: ScriptPlan) -> [String] {
    plan.queries.filter { $0.sourceID != nil && $0.eventTime == nil }.map(\.label)
  }
}
