import SQLParser

/// A Kafka topic named by a URL, as a source (`-i`, `FROM '...'`, `source = '...'`) or as the
/// target of `INSERT INTO` (issue 8). Only the text is read here; the executor connects.
///
///     kafka://127.0.0.1:9092/clicks?group=dashboard                 -- committed offsets
///     kafka://127.0.0.1:9092/clicks?group=dashboard&start=earliest  -- replay from the start
///     kafka://b1:9092,b2:9092/clicks?start=2026-11-26T08:00:00Z&stop=end
///     INSERT INTO 'kafka://127.0.0.1:9092/per_minute?key=url' SELECT ...
///
/// Options of a source: `group` (a consumer group: the processes of one group split the
/// topic's partitions), `start` (`committed`, the default, `earliest`, `latest` or an ISO-8601
/// time), `stop` (`never`, the default, or `end`: end the input once every assigned partition
/// was read to its end). Of a sink: `key` (output columns whose values make the message key).
/// Both take `kafka.NAME=VALUE`, a librdkafka property passed on as it is.
public struct KafkaURL: Sendable, Hashable, CustomStringConvertible {
  /// Where a partition is first read from.
  public enum Start: Sendable, Hashable, CustomStringConvertible {
    /// The group's committed offset (the earliest offset where the group has none).
    case committed
    case earliest
    case latest
    /// The first message with a timestamp at or after this time (ms since the epoch).
    case time(Int64)

    public var description: String {
      switch self {
      case .committed: return "committed"
      case .earliest: return "earliest"
      case .latest: return "latest"
      case .time(let ms): return Timestamp.format(ms)
      }
    }
  }

  public enum Role: Sendable { case source, sink }

  /// The URL as written.
  public var text: String
  /// `host:port[,host:port...]`, librdkafka's `bootstrap.servers`.
  public var brokers: String
  public var topic: String
  public var group: String?
  public var start: Start = .committed
  public var stopsAtEnd = false
  /// Sink: the output columns that make each message's key; nil: the query's window and
  /// group columns.
  public var keyColumns: [String]?
  /// `kafka.NAME=VALUE` options, in the order written.
  public var properties: [String] = []

  public var description: String { text }

  /// Whether `text` is meant as a Kafka URL.
  public static func isKafka(_ text: String) -> Bool { text.lowercased().hasPrefix("kafka://") }

  /// Reads `text`; the error is a sentence for the user.
  public static func parse(_ text: String, role: Role) -> Result<KafkaURL, KafkaURLError> {
    let example =
      role == .source
      ? "e.g. 'kafka://127.0.0.1:9092/clicks?group=dashboard'"
      : "e.g. 'kafka://127.0.0.1:9092/per_minute?key=url'"
    func fail(_ message: String) -> Result<KafkaURL, KafkaURLError> {
      .failure(KafkaURLError(message: "'\(text)': \(message)", note: example))
    }
    guard isKafka(text) else { return fail("not a kafka:// URL") }
    let rest = text.dropFirst("kafka://".count)
    let query = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    let location = query[0]
    guard let slash = location.firstIndex(of: "/") else {
      return fail("names no topic (kafka://HOST:PORT/TOPIC)")
    }
    let brokers = location[..<slash]
    let topic = String(location[location.index(after: slash)...])
    guard !brokers.isEmpty else { return fail("names no broker (kafka://HOST:PORT/TOPIC)") }
    for broker in brokers.split(separator: ",", omittingEmptySubsequences: false) {
      guard let colon = broker.lastIndex(of: ":"), colon != broker.startIndex,
        let port = Int(broker[broker.index(after: colon)...]), (1...65535).contains(port)
      else {
        return fail("broker '\(broker)' needs HOST:PORT with a port 1-65535")
      }
    }
    guard !topic.isEmpty else { return fail("names no topic (kafka://HOST:PORT/TOPIC)") }
    // Kafka's rule for topic names.
    guard topic.count <= 249, topic != ".", topic != "..",
      topic.unicodeScalars.allSatisfy({
        $0.isASCII
          && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
            || "._-".unicodeScalars.contains($0))
      })
    else {
      return fail("topic '\(topic)' is not a Kafka topic name (letters, digits, '.', '_', '-')")
    }
    var url = KafkaURL(text: text, brokers: String(brokers), topic: topic)
    if query.count > 1 && !query[1].isEmpty {
      for pair in query[1].split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(kv[0])
        let value = kv.count == 2 ? String(kv[1]) : ""
        if name.hasPrefix("kafka.") && name.count > "kafka.".count && kv.count == 2 {
          url.properties.append("\(name.dropFirst("kafka.".count))=\(value)")
          continue
        }
        switch (role, name) {
        case (.source, "group"):
          guard !value.isEmpty else { return fail("group needs a name (group=NAME)") }
          url.group = value
        case (.source, "start"):
          switch value.lowercased() {
          case "committed": url.start = .committed
          case "earliest", "beginning": url.start = .earliest
          case "latest", "end": url.start = .latest
          default:
            guard let ms = Timestamp.parse(value) else {
              return fail(
                "start takes committed, earliest, latest or an ISO-8601 time such as 2026-11-26T08:00:00Z, not '\(value)'"
              )
            }
            url.start = .time(ms)
          }
        case (.source, "stop"):
          switch value.lowercased() {
          case "end": url.stopsAtEnd = true
          case "never": url.stopsAtEnd = false
          default: return fail("stop takes end or never, not '\(value)'")
          }
        case (.sink, "key"):
          let columns = value.split(separator: ",").map(String.init)
          guard !columns.isEmpty else { return fail("key needs column names (key=col1,col2)") }
          url.keyColumns = columns
        default:
          let known =
            role == .source ? "group, start, stop and kafka.PROPERTY" : "key and kafka.PROPERTY"
          return fail("unknown option '\(name)' (the options are \(known))")
        }
      }
    }
    return .success(url)
  }

  /// `parse` for the planner: an error becomes a diagnostic at `span`.
  public static func parse(_ text: String, role: Role, span: SourceSpan) throws(Diagnostic)
    -> KafkaURL
  {
    switch parse(text, role: role) {
    case .success(let url): return url
    case .failure(let e): throw Diagnostic(e.message, span: span, note: e.note)
    }
  }
}

/// Why a Kafka URL was refused.
public struct KafkaURLError: Error, Sendable, Hashable {
  public var message: String
  public var note: String
}
