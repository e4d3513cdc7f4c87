import Planner

/// Usage errors of a run's Kafka sources and sinks, found before anything is read or written
/// (exit 2): a bad `kafka://` URL on the command line (the planner checks those in queries)
/// and librdkafka properties (`kafka.NAME=VALUE`) that librdkafka does not know or accept.
public enum KafkaSupport {
  public static func refusal(plan: ScriptPlan, options: RunOptions) -> String? {
    var urls: [(String, KafkaURL.Role)] = []
    for source in plan.sources {
      switch source.location {
      case .commandLine:
        urls += options.inputs.filter(KafkaURL.isKafka).map { ($0, .source) }
      case .path(let p) where KafkaURL.isKafka(p): urls.append((p, .source))
      case .path: continue
      }
    }
    for query in plan.queries {
      if case .kafka(let url) = query.sink { urls.append((url.text, .sink)) }
    }
    for (text, role) in urls {
      switch KafkaURL.parse(text, role: role) {
      case .failure(let e): return "\(e.message); \(e.note)"
      case .success(let url): if let problem = KafkaConfig.check(url) { return problem }
      }
    }
    return nil
  }
}
