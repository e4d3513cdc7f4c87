import Planner

/// What `--checkpoint` can resume exactly, decided before anything is read, and the plan
/// fingerprint that ties a checkpoint to the run that wrote it.
///
/// A run that could not be resumed exactly (an input that cannot be re-read or sought, an
/// output that cannot be cut back, state this version cannot save) is refused up front with a
/// message naming what is not supported: a checkpoint must never resume silently wrong.
public enum CheckpointSupport {
  /// Why `--checkpoint` cannot be used for this run, or nil when it can.
  public static func refusal(plan: ScriptPlan, options: RunOptions) -> String? {
    let unsupported = "--checkpoint does not support"
    if options.maxFutureMillis != nil {
      return
        "\(unsupported) --max-future yet (it depends on the wall clock, so a resume would not repeat it)"
    }
    if options.format == .table && options.outputPath != nil {
      return "\(unsupported) --format table (it prints at the end)"
    }
    for source in plan.sources {
      let names: [String]
      switch source.location {
      case .commandLine: names = options.inputs.isEmpty ? ["-"] : options.inputs
      case .path(let p): names = [p]
      }
      var files = 0
      for name in names {
        // stdin and sockets are streamed: their state is kept, their lines cannot be re-read.
        if name == "-" || name == "stdin" || SocketAddress.isURL(name) { continue }
        files += POSIX.expandGlob(name).count
      }
      if files > 1 {
        return
          "\(unsupported) several files in one source yet (\(names.joined(separator: " "))): how their rows interleave cannot be reproduced after a restart"
      }
    }
    var feeders: [String: Set<Int>] = [:]
    for query in plan.queries {
      feeders["\(query.sink)", default: []].insert(query.sourceID ?? -1)
      if feeders["\(query.sink)"]!.count > 1 {
        return
          "\(unsupported) queries over different sources writing to one output yet (\(query.sink)): how their rows interleave cannot be reproduced after a restart"
      }
    }
    // One transaction can only span one cluster; two would commit one after the other.
    var clusters: [String] = []
    for query in plan.queries {
      guard case .kafka(let url) = query.sink else { continue }
      let key = KafkaProducer.sharingKey(url)
      if !clusters.contains(key) { clusters.append(key) }
      if clusters.count > 1 {
        return
          "\(unsupported) Kafka sinks on different brokers or with different kafka. properties yet (query \(query.number)): their transactions could not commit together"
      }
    }
    for query in plan.queries {
      let q = "query \(query.number)"
      guard query.sourceID != nil else {
        return "\(unsupported) a query without FROM (\(q)): it would print again on every restart"
      }
      switch query.sink {
      case .sqlite where query.upsertKeyColumns == nil:
        // Upserts by key make rows written again after a restart land on themselves; rows
        // without a key are appended and would be there twice.
        return
          "\(unsupported) a SQLite sink for a query without aggregation (\(q)): its rows are appended, so those written after the last checkpoint would be written twice"
      default: break
      }
      if query.mode == .aggregate && query.window != nil && query.eventTime == nil {
        return
          "\(unsupported) processing-time windows (\(q)): their results depend on the wall clock; add TIMESTAMP BY"
      }
    }
    return nil
  }

  /// The text a checkpoint is tied to: EXPLAIN of the plan, then the options that change what
  /// is read or written. Two runs with the same fingerprint produce the same output from the
  /// same input.
  public static func fingerprint(plan: ScriptPlan, options: RunOptions) -> String {
    var text = plan.explain()
    text += "option inputs: \(options.inputs.joined(separator: " "))\n"
    text += "option output: \(options.outputPath ?? "stdout")\n"
    text += "option format: \(options.format)\n"
    text += "option on-error: \(options.onError)\n"
    text += "option late-output: \(options.lateOutputPath ?? "none")\n"
    text += "option max-line-bytes: \(options.maxLineBytes)\n"
    text += "option changelog: \(options.changelog)\n"
    text += "option idle-timeout: \(options.idleTimeoutMillis.map(String.init) ?? "none")\n"
    text += "option max-future: \(options.maxFutureMillis.map(String.init) ?? "none")\n"
    // The range selects rows; the replay speed only paces them, so a resume may change it.
    let from = options.replay?.fromMillis.map(String.init) ?? "none"
    let until = options.replay?.untilMillis.map(String.init) ?? "none"
    text += "option range: from \(from) until \(until)\n"
    // EXPLAIN shows deduplication only beside an event time: name it for every query.
    for query in plan.queries {
      let dedupe = query.dedupe.map {
        "key=\($0.key) within=\($0.withinMillis)ms by \($0.time)"
      }
      text += "query \(query.number) dedupe: \(dedupe ?? "none")\n"
    }
    return text
  }

  /// Why a checkpoint taken with fingerprint `old` cannot resume a run with fingerprint `new`:
  /// the first few lines of the plan that differ, as they were and as they are.
  public static func difference(old: String, new: String) -> String? {
    guard old != new else { return nil }
    let a = old.split(separator: "\n", omittingEmptySubsequences: false)
    let b = new.split(separator: "\n", omittingEmptySubsequences: false)
    var changes: [String] = []
    for i in 0..<max(a.count, b.count) where changes.count < 3 {
      let x = i < a.count ? String(a[i]) : "(nothing)"
      let y = i < b.count ? String(b[i]) : "(nothing)"
      if x != y {
        changes.append("  was: \(x.trimmingLeadingSpaces)\n  now: \(y.trimmingLeadingSpaces)")
      }
    }
    return changes.isEmpty
      ? "the plan changed" : "the plan changed here:\n" + changes.joined(separator: "\n")
  }
}

extension String {
  fileprivate var trimmingLeadingSpaces: String {
    String(drop { $0 == " " || $0 == "└" || $0 == "─" })
  }
}
