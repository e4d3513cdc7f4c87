import Planner
import SQLParser
import Testing

/// `kafka://` URLs as sources and sink targets: what they name, and the errors a user can make,
/// found while planning (before anything is read). Built from SQL text.
@Suite struct KafkaURLTests {
  static func url(_ text: String, _ role: KafkaURL.Role = .source) throws -> KafkaURL {
    try KafkaURL.parse(text, role: role).get()
  }

  static func error(_ text: String, _ role: KafkaURL.Role = .source) -> String? {
    if case .failure(let e) = KafkaURL.parse(text, role: role) { return e.message }
    return nil
  }

  @Test func sourceOptions() throws {
    let u = try KafkaURLTests.url(
      "kafka://b1:9092,b2:9093/clicks.v2?group=dash&start=earliest&stop=end&kafka.client.id=x")
    #expect(u.brokers == "b1:9092,b2:9093")
    #expect(u.topic == "clicks.v2")
    #expect(u.group == "dash")
    #expect(u.start == .earliest)
    #expect(u.stopsAtEnd)
    #expect(u.properties == ["client.id=x"])
    let plain = try KafkaURLTests.url("kafka://127.0.0.1:9092/t")
    #expect(plain.group == nil && plain.start == .committed && !plain.stopsAtEnd)
    let timed = try KafkaURLTests.url("kafka://h:1/t?start=2026-11-26T08:00:00Z")
    #expect(timed.start == .time(Timestamp.parse("2026-11-26T08:00:00Z")!))
    #expect(try KafkaURLTests.url("kafka://h:1/t?start=latest").start == .latest)
  }

  @Test func badURLsSayWhatIsWrong() {
    #expect(KafkaURLTests.error("kafka://h:1")?.contains("names no topic") == true)
    #expect(KafkaURLTests.error("kafka://h/t")?.contains("needs HOST:PORT") == true)
    #expect(KafkaURLTests.error("kafka://h:99999/t")?.contains("port 1-65535") == true)
    #expect(KafkaURLTests.error("kafka://:9092/t")?.contains("HOST:PORT") == true)
    #expect(KafkaURLTests.error("kafka://h:1/a b")?.contains("not a Kafka topic name") == true)
    #expect(KafkaURLTests.error("kafka://h:1/t?grup=x")?.contains("unknown option 'grup'") == true)
    #expect(KafkaURLTests.error("kafka://h:1/t?group=")?.contains("group needs a name") == true)
    #expect(KafkaURLTests.error("kafka://h:1/t?start=soon")?.contains("start takes") == true)
    #expect(KafkaURLTests.error("kafka://h:1/t?stop=later")?.contains("stop takes end") == true)
    // Sink options and source options do not mix.
    #expect(KafkaURLTests.error("kafka://h:1/t?key=a")?.contains("unknown option 'key'") == true)
    #expect(KafkaURLTests.error("kafka://h:1/t?group=g", .sink)?.contains("unknown option") == true)
  }

  @Test func queriesNameKafkaSourcesAndSinks() throws {
    let plan = try SinkTargetTests.plan(
      "INSERT INTO 'kafka://h:9092/out?key=url' SELECT url, COUNT(*) AS n FROM 'kafka://h:9092/in?group=g' GROUP BY url"
    )
    guard case .kafka(let sink) = plan.sink else {
      Issue.record("not a Kafka sink: \(plan.sink)")
      return
    }
    #expect(sink.topic == "out" && sink.keyColumns == ["url"])
    #expect(plan.kafkaKeyColumns == [0])
    // Default key: window bounds and group columns.
    let windowed = try SinkTargetTests.plan(
      "INSERT INTO 'kafka://h:9092/out' SELECT url, COUNT(*) AS n FROM stdin TIMESTAMP BY ts"
        + " WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY url")
    #expect(windowed.kafkaKeyColumns == [0, 1, 2])
    // A row query's records have no key.
    #expect(
      try SinkTargetTests.plan("INSERT INTO 'kafka://h:9092/out' SELECT a FROM stdin")
        .kafkaKeyColumns == nil)
  }

  @Test func planningErrorsPointAtTheURL() {
    #expect(
      SinkTargetTests.error("INSERT INTO 'kafka://h:9092/out?key=nope' SELECT a FROM stdin")?
        .contains("key column 'nope' is not an output column") == true)
    #expect(
      SinkTargetTests.error("SELECT * FROM 'kafka://h:9092/in?start=never'")?.contains(
        "start takes")
        == true)
    #expect(
      SinkTargetTests.error("CREATE STREAM s WITH (source = 'kafka://h/in'); SELECT * FROM s")?
        .contains("needs HOST:PORT") == true)
  }
}
