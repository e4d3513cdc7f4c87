import Executor
import Planner

extension RunArguments {
  /// `--replay-speed`, `--from`, `--until` as `ReplayOptions`; nil when none is given. Bad
  /// values are usage errors (exit 2).
  func replayOptions() throws -> ReplayOptions? {
    guard replaySpeed != nil || from != nil || until != nil else { return nil }
    var replay = ReplayOptions()
    if let replaySpeed, replaySpeed.lowercased() != "max" {
      guard let x = Double(replaySpeed), x.isFinite, x > 0 else {
        throw CLIExit(
          code: 2,
          message:
            "error: --replay-speed takes a positive number (1 = real time, 10 = ten times faster) or max"
        )
      }
      replay.speed = x
    }
    replay.fromMillis = try Self.instant(from, option: "--from")
    replay.untilMillis = try Self.instant(until, option: "--until")
    if let f = replay.fromMillis, let u = replay.untilMillis, f >= u {
      throw CLIExit(
        code: 2, message: "error: --from must be before --until (the range is [from, until))")
    }
    return replay
  }

  private static func instant(_ text: String?, option: String) throws -> Int64? {
    guard let text else { return nil }
    guard let ms = Timestamp.parse(text) else {
      throw CLIExit(
        code: 2,
        message:
          "error: \(option) takes an ISO-8601 time such as 2024-05-01T10:00:00Z, not '\(text)'")
    }
    return ms
  }

  /// A replay paces and selects rows by event time: every query must have one (exit 2).
  static func checkReplay(_ plan: ScriptPlan, _ options: RunOptions) throws {
    guard let replay = options.replay, replay.speed != nil || replay.selectsRange else { return }
    let missing = ReplayOptions.queriesWithoutEventTime(plan)
    guard let first = missing.first else { return }
    let flag =
      replay.speed != nil ? "--replay-speed" : (replay.fromMillis != nil ? "--from" : "--until")
    throw CLIExit(
      code: 2,
      message:
        "error: \(flag) needs an event time, but query \(first) runs on processing time; add TIMESTAMP BY field (or timestamp = 'field' on its stream)"
    )
  }
}
