import Foundation
import Testing

/// Kafka end to end, against a real Kafka-protocol broker (`KafkaBroker`: noida-db on a free
/// loopback port) and the built binary: per-partition watermarks, a consumer group of two
/// processes splitting a topic, a two-stage pipeline through a keyed intermediate topic equal
/// to one process over the whole input, and usage errors.
///
/// Nothing waits on the wall clock to make a test pass: each waits for a condition (assigned
/// partitions named on stderr, rows in the output files, offsets committed by a group) with a
/// deadline.
@Suite(.serialized) struct KafkaTests {
  /// Consumer-group settings for tests: a short session timeout, so joins and rebalances take
  /// a second rather than half of librdkafka's default 45 s.
  static let groupSettings = "kafka.session.timeout.ms=6000&kafka.heartbeat.interval.ms=500"
  /// A process restarted after `kill -9` takes its place in the group at once under the same
  /// static member id (the broker would otherwise wait for the dead member).
  static let restartSettings = groupSettings + "&kafka.group.instance.id=streamsql-1"

  @Test func perPartitionWatermarksMakeNoRowLate() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("events", partitions: 3)
    let events = KafkaEvents(count: 600)
    var records = events.records(partitions: 3)
    // A bad value costs only itself.
    records.insert((1, "bad", "not json"), at: 10)
    try broker.produce("events", records)
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }

    // Partition 0 may well be read to its end before partition 1 starts: with one watermark
    // per partition, none of partition 1's rows is late even with no grace at all.
    let result = try StreamsqlBinary.run(
      [
        "SELECT country, COUNT(*) AS n, SUM(amount) AS total FROM 'kafka://\(broker.address)/events?stop=end'"
          + " TIMESTAMP BY ts WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY country"
      ], in: dir, timeout: 60)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stderr.contains("late"), "\(result.stderr)")
    #expect(result.stderr.contains("1 bad input line skipped"), "\(result.stderr)")
    #expect(KafkaEvents.same(try KafkaEvents.rows(result.stdout), events.perWindow(filter: false)))
  }

  /// A partition without messages holds the watermark back until `--idle-timeout` says it is
  /// idle; then the windows the other partitions closed are printed while the run goes on.
  @Test func anIdlePartitionStopsHoldingTheWatermark() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("sparse", partitions: 2)
    let events = KafkaEvents(count: 120)  // 30 s of event time: windows 0-10 s and 10-20 s close
    try broker.produce("sparse", events.records(partitions: 1))
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let run = try KafkaTestTools.Child.streamsql(
      [
        "--idle-timeout", "1s", "-o", "out.ndjson",
        "SELECT COUNT(*) AS n FROM 'kafka://\(broker.address)/sparse' TIMESTAMP BY ts"
          + " WINDOW TUMBLING (SIZE 10 SECONDS)",
      ], in: dir, tag: "run")
    defer { run.kill() }
    let out = dir.appendingPathComponent("out.ndjson")
    let printed = KafkaTestTools.poll(timeout: 30) {
      ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").count >= 2
    }
    #expect(printed, "\(run.stderr)")
    #expect(run.process.isRunning)
    run.signal(SIGTERM)
    #expect(run.wait(timeout: 30) && run.status == 0, "\(run.stderr)")
    let text = try String(contentsOf: out, encoding: .utf8)
    #expect(
      text.split(separator: "\n").map { $0.hasSuffix(#""n":40}"#) } == [true, true, true], "\(text)"
    )
  }

  @Test func metadataColumnsAndStartPositions() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("t", partitions: 2)
    try broker.produce(
      "t",
      [
        (0, "a", #"{"v":1}"#), (1, nil, #"{ "v": 2 }"#), (0, "c", "{}"),
        (1, "d", #"{"v":4,"_key":"own"}"#),
      ])
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let all = try StreamsqlBinary.run(
      [
        "-i", "kafka://\(broker.address)/t?stop=end&start=earliest",
        "SELECT v, _key, _partition, _offset, _timestamp > 0 AS stamped FROM stdin ORDER BY _partition, _offset",
      ], in: dir, timeout: 60)
    #expect(all.status == 0, "\(all.stderr)")
    #expect(
      all.stdout == """
        {"v":1,"_key":"a","_partition":0,"_offset":0,"stamped":true}
        {"v":null,"_key":"c","_partition":0,"_offset":1,"stamped":true}
        {"v":2,"_key":null,"_partition":1,"_offset":0,"stamped":true}
        {"v":4,"_key":"own","_partition":1,"_offset":1,"stamped":true}

        """)
    // `SELECT *` passes the value through as it is; start=latest reads nothing already there.
    let latest = try StreamsqlBinary.run(
      ["SELECT * FROM 'kafka://\(broker.address)/t?stop=end&start=latest'"], in: dir, timeout: 60)
    #expect(latest.status == 0, "\(latest.stderr)")
    #expect(latest.stdout == "")
  }

  @Test func aGroupOfTwoProcessesSplitsATopic() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("clicks", partitions: 3)
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let source = "kafka://\(broker.address)/clicks?group=dash&\(KafkaTests.groupSettings)"
    let query = "SELECT id, _partition AS p FROM '\(source)'"
    let a = try KafkaTestTools.Child.streamsql(["-o", "a.ndjson", query], in: dir, tag: "a")
    defer { a.kill() }
    let b = try KafkaTestTools.Child.streamsql(["-o", "b.ndjson", query], in: dir, tag: "b")
    defer { b.kill() }
    // Both joined and the group settled: each holds some partitions, together all three.
    let settled = KafkaTestTools.splitThreePartitions(a, b)
    try #require(settled, "group did not settle:\n\(a.stderr)\n\(b.stderr)")

    let count = 300
    try broker.produce(
      "clicks", (0..<count).map { (Int32($0 % 3), "k\($0)", #"{"id":\#($0)}"#) })
    func rows(_ name: String) -> [[String: Any]] {
      let text = (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
      return text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      }
    }
    let all = KafkaTestTools.poll(timeout: 60) {
      rows("a.ndjson").count + rows("b.ndjson").count >= count
    }
    #expect(all, "a: \(rows("a.ndjson").count), b: \(rows("b.ndjson").count)")
    a.signal(SIGTERM)
    b.signal(SIGTERM)
    #expect(a.wait(timeout: 30) && a.status == 0, "\(a.stderr)")
    #expect(b.wait(timeout: 30) && b.status == 0, "\(b.stderr)")

    let ra = rows("a.ndjson")
    let rb = rows("b.ndjson")
    let ids = (ra + rb).compactMap { $0["id"] as? Int }
    #expect(ids.count == count)
    #expect(Set(ids) == Set(0..<count))
    // Each process read exactly the partitions it was assigned.
    let pa = Set(ra.compactMap { $0["p"] as? Int })
    let pb = Set(rb.compactMap { $0["p"] as? Int })
    #expect(!pa.isEmpty && !pb.isEmpty && pa.isDisjoint(with: pb), "a: \(pa), b: \(pb)")
  }

  /// Stage 1 filters and re-keys by country into an intermediate topic; stage 2 runs in two
  /// processes of one group, each aggregating the countries of its partitions per window.
  /// Together they print exactly what one process prints over the whole input.
  @Test func aTwoStagePipelineEqualsOneProcess() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("events", partitions: 3)
    try broker.createTopic("by_country", partitions: 3)
    let events = KafkaEvents(count: 900)
    try broker.produce("events", events.records(partitions: 3))
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }

    // Rows of one country reach its partition of by_country from three partitions of events,
    // so the intermediate topic is out of order by up to the whole input: a grace period
    // covers it.
    let aggregate =
      "SELECT country, COUNT(*) AS n, SUM(amount) AS total FROM %@ TIMESTAMP BY ts"
      + " WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 10 MINUTES) %@ GROUP BY country"
    let stage2Source =
      "'kafka://\(broker.address)/by_country?group=stage2&\(KafkaTests.groupSettings)'"
    let stage2 = String(format: aggregate, stage2Source, "")
    let a = try KafkaTestTools.Child.streamsql(["-o", "a.ndjson", stage2], in: dir, tag: "a")
    defer { a.kill() }
    let b = try KafkaTestTools.Child.streamsql(["-o", "b.ndjson", stage2], in: dir, tag: "b")
    defer { b.kill() }
    let settled = KafkaTestTools.splitThreePartitions(a, b)
    try #require(settled, "stage 2 group did not settle:\n\(a.stderr)\n\(b.stderr)")

    let stage1 = try StreamsqlBinary.run(
      [
        "INSERT INTO 'kafka://\(broker.address)/by_country?key=country'"
          + " SELECT ts, country, amount FROM 'kafka://\(broker.address)/events?group=stage1&stop=end&\(KafkaTests.groupSettings)'"
          + " WHERE amount > 0"
      ], in: dir, timeout: 60)
    try #require(stage1.status == 0, "\(stage1.stderr)")

    // Stage 2 is done when its group committed the end of every partition (offsets are
    // committed only after the rows before them were applied and the outputs flushed).
    let ends = try broker.endOffsets("by_country", partitions: 3)
    #expect(ends.reduce(0, +) == Int64(events.kept))
    let consumed = try KafkaTestTools.poll(timeout: 60) {
      try broker.committed("stage2", "by_country", partitions: 3) == ends
    }
    let committed = try broker.committed("stage2", "by_country", partitions: 3)
    #expect(consumed, "committed: \(committed) of \(ends)")
    a.signal(SIGTERM)
    b.signal(SIGTERM)
    #expect(a.wait(timeout: 30) && a.status == 0, "\(a.stderr)")
    #expect(b.wait(timeout: 30) && b.status == 0, "\(b.stderr)")

    let one = try StreamsqlBinary.run(
      [
        String(format: aggregate, "'kafka://\(broker.address)/events?stop=end'", "WHERE amount > 0")
      ],
      in: dir, timeout: 60)
    #expect(one.status == 0, "\(one.stderr)")
    let single = try KafkaEvents.rows(one.stdout)
    #expect(KafkaEvents.same(single, events.perWindow(filter: true)))
    let rowsA = try KafkaEvents.rows(
      String(contentsOf: dir.appendingPathComponent("a.ndjson"), encoding: .utf8))
    let rowsB = try KafkaEvents.rows(
      String(contentsOf: dir.appendingPathComponent("b.ndjson"), encoding: .utf8))
    #expect(rowsA.count + rowsB.count == single.count)
    #expect(KafkaEvents.same(rowsA.merging(rowsB) { x, _ in x }, single))
    // Keyed by country: each country was aggregated by one process only.
    #expect(Set(rowsA.keys.map(\.country)).isDisjoint(with: Set(rowsB.keys.map(\.country))))
  }

  /// With `--checkpoint`, offsets are part of the checkpoint and committed to the group only
  /// after it: a `kill -9` and a restart neither lose nor repeat a row in the output files.
  @Test func killAndRestartWithACheckpointLosesAndRepeatsNothing() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("events", partitions: 3)
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let events = KafkaEvents(count: 1500)
    let records = events.records(partitions: 3)
    try """
    CREATE STREAM events WITH (
      source = 'kafka://\(broker.address)/events?group=ckpt&\(KafkaTests.restartSettings)', timestamp = 'ts');
    INSERT INTO 'rows.ndjson' SELECT id, _partition AS p, _offset AS o FROM events;
    INSERT INTO 'agg.ndjson' SELECT country, COUNT(*) AS n, SUM(amount) AS total
      FROM events WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY country;
    """.write(to: dir.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
    let command = ["--checkpoint", "ck", "--checkpoint-interval", "100ms", "-f", "q.sql"]
    func allCommitted() throws -> Bool {
      try broker.committed("ckpt", "events", partitions: 3)
        == broker.endOffsets("events", partitions: 3)
    }

    let first = try KafkaTestTools.Child.streamsql(command, in: dir, tag: "first")
    defer { first.kill() }
    try #require(
      KafkaTestTools.poll(timeout: 60) { first.assignedPartitions == [0, 1, 2] }, "\(first.stderr)")
    try broker.produce("events", Array(records[0..<600]))
    try #require(try KafkaTestTools.poll(timeout: 60, allCommitted), "\(first.stderr)")
    // More input, and the process dies while reading it, without a chance to clean up.
    try broker.produce("events", Array(records[600..<1100]))
    first.kill()
    try broker.produce("events", Array(records[1100...]))

    let second = try KafkaTestTools.Child.streamsql(command, in: dir, tag: "second")
    defer { second.kill() }
    let done = try KafkaTestTools.poll(timeout: 60, allCommitted)
    #expect(done, "\(second.stderr)")
    #expect(second.stderr.contains("resuming from the checkpoint"), "\(second.stderr)")
    second.signal(SIGTERM)
    #expect(second.wait(timeout: 30) && second.status == 0, "\(second.stderr)")

    let text = try String(contentsOf: dir.appendingPathComponent("rows.ndjson"), encoding: .utf8)
    let ids = try text.split(separator: "\n").map {
      try #require(
        (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? Int)
    }
    let missing = Set(0..<events.count).subtracting(ids)
    #expect(
      ids.count == events.count && missing.isEmpty, "\(ids.count) rows, \(missing.count) missing")
    let aggregates = try KafkaEvents.rows(
      String(contentsOf: dir.appendingPathComponent("agg.ndjson"), encoding: .utf8))
    #expect(KafkaEvents.same(aggregates, events.perWindow(filter: false)))
  }

  /// With `--checkpoint` the Kafka sink is transactional: after a `kill -9` and a restart, a
  /// `read_committed` consumer sees every window's result exactly once.
  @Test func aTransactionalSinkShowsEachResultOnceAcrossACrash() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("in", partitions: 3)
    try broker.createTopic("out", partitions: 2)
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let events = KafkaEvents(count: 1500)
    let records = events.records(partitions: 3)
    let expected = events.perWindow(filter: false)
    let command = [
      "--checkpoint", "ck", "--checkpoint-interval", "100ms",
      "INSERT INTO 'kafka://\(broker.address)/out' SELECT country, COUNT(*) AS n, SUM(amount) AS total"
        + " FROM 'kafka://\(broker.address)/in?group=tx&\(KafkaTests.restartSettings)' TIMESTAMP BY ts"
        + " WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY country",
    ]
    func visible() throws -> [(partition: Int32, key: String?, value: String)] {
      try broker.records("out", partitions: 2)
    }

    let first = try KafkaTestTools.Child.streamsql(command, in: dir, tag: "first")
    defer { first.kill() }
    try #require(
      KafkaTestTools.poll(timeout: 60) { first.assignedPartitions == [0, 1, 2] }, "\(first.stderr)")
    try broker.produce("in", Array(records[0..<600]))
    try #require(try KafkaTestTools.poll(timeout: 60) { try !visible().isEmpty }, "\(first.stderr)")
    try broker.produce("in", Array(records[600..<1100]))
    first.kill()
    // The rest, and one event per partition an hour later, so every window above closes.
    let late = (0..<3).map { p in
      (
        Int32(p), "end",
        #"{"id":-1,"ts":\#(events.ts(events.count) + 3_600_000),"country":"XX","amount":0}"#
      )
    }
    try broker.produce("in", Array(records[1100...]) + late)

    let second = try KafkaTestTools.Child.streamsql(command, in: dir, tag: "second")
    defer { second.kill() }
    let complete = try KafkaTestTools.poll(timeout: 60) { try visible().count >= expected.count }
    #expect(complete, "\(second.stderr)")
    // Stopped by a signal, the open transaction (the windows the stop fires) is aborted.
    second.signal(SIGTERM)
    #expect(second.wait(timeout: 30) && second.status == 0, "\(second.stderr)")

    let messages = try visible()
    let rows = try KafkaEvents.rows(messages.map(\.value).joined(separator: "\n"))
    #expect(messages.count == expected.count)
    #expect(KafkaEvents.same(rows, expected))
    // Keyed by window and group: one key, one partition.
    let first3 = try #require(messages.first)
    #expect(first3.key?.hasPrefix("[\"") == true, "\(first3)")
  }

  /// Two queries writing to one topic with `--checkpoint` share one transactional producer
  /// (two producers with one transactional id would fence each other).
  @Test func twoQueriesIntoOneTopicShareOneTransaction() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("in", partitions: 1)
    try broker.createTopic("out", partitions: 1)
    try broker.produce("in", (0..<50).map { (0, nil, #"{"id":\#($0)}"#) })
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try """
    CREATE STREAM s WITH (source = 'kafka://\(broker.address)/in?stop=end');
    INSERT INTO 'kafka://\(broker.address)/out' SELECT id, 'even' AS kind FROM s WHERE id % 2 = 0;
    INSERT INTO 'kafka://\(broker.address)/out' SELECT id, 'odd' AS kind FROM s WHERE id % 2 = 1;
    """.write(to: dir.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
    let r = try StreamsqlBinary.run(
      ["--checkpoint", "ck", "--checkpoint-interval", "100ms", "-f", "q.sql"], in: dir,
      timeout: 60)
    #expect(r.status == 0, "\(r.stderr)")
    let values = try broker.records("out", partitions: 1).map(\.value)
    #expect(values.count == 50, "\(values)")
    #expect(values.filter { $0.contains("odd") }.count == 25)
  }

  /// One transaction spans one cluster: with `--checkpoint`, Kafka sinks on two are refused
  /// before anything is read (two transactions would commit one after the other).
  @Test func aCheckpointRefusesKafkaSinksOnTwoClusters() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let (p1, p2) = (TestSocket.freePort(), TestSocket.freePort())
    try """
    INSERT INTO 'kafka://127.0.0.1:\(p1)/a' SELECT x FROM stdin;
    INSERT INTO 'kafka://127.0.0.1:\(p2)/b' SELECT x FROM stdin;
    """.write(to: dir.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
    let r = try StreamsqlBinary.run(["--checkpoint", "ck", "-f", "q.sql"], in: dir, timeout: 30)
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("Kafka sinks on different brokers"), "\(r.stderr)")
  }

  @Test func usageErrorsAndAnUnreachableBroker() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let port = TestSocket.freePort()
    let cases: [(args: [String], status: Int32, message: String)] = [
      (["SELECT * FROM 'kafka://127.0.0.1:\(port)/t?grup=g'"], 2, "unknown option 'grup'"),
      (["-i", "kafka://127.0.0.1/t", "SELECT * FROM stdin"], 2, "needs HOST:PORT"),
      (["SELECT * FROM 'kafka://127.0.0.1:\(port)/t?start=yesterday'"], 2, "start takes committed"),
      (
        ["SELECT * FROM 'kafka://127.0.0.1:\(port)/t?kafka.no.such=1'"], 2,
        "No such configuration property"
      ),
      (
        ["INSERT INTO 'kafka://127.0.0.1:\(port)/t?key=nope' SELECT a FROM stdin"], 2,
        "key column 'nope'"
      ),
      (["SELECT * FROM 'kafka://127.0.0.1:\(port)/t'"], 1, "no Kafka broker answered"),
    ]
    for c in cases {
      let r = try StreamsqlBinary.run(c.args, in: dir, timeout: 30)
      #expect(r.status == c.status, "\(c.args): \(r.stderr)")
      #expect(r.stderr.contains(c.message), "\(c.args): \(r.stderr)")
    }
  }
}

/// Seeded events over 3 partitions, in event-time order within each partition, and the
/// per-window result computed here.
struct KafkaEvents {
  struct Key: Hashable {
    var windowStart: String
    var country: String
  }
  struct Aggregate: Equatable {
    var n: Int
    var total: Int
  }

  let count: Int
  static let base: Int64 = 1_795_680_000_000  // 2026-11-26T05:20:00Z
  static let countries = ["DE", "US", "FR", "GB", "JP"]

  func ts(_ i: Int) -> Int64 { KafkaEvents.base + Int64(i) * 250 }
  func country(_ i: Int) -> String { KafkaEvents.countries[(i * 7 + i / 11) % 5] }
  func amount(_ i: Int) -> Int { (i * 13) % 50 - 5 }
  var kept: Int { (0..<count).filter { amount($0) > 0 }.count }

  func records(partitions: Int) -> [(partition: Int32, key: String?, value: String)] {
    (0..<count).map {
      (
        Int32($0 % partitions), "e\($0)",
        #"{"id":\#($0),"ts":\#(ts($0)),"country":"\#(country($0))","amount":\#(amount($0))}"#
      )
    }
  }

  func perWindow(filter: Bool) -> [Key: Aggregate] {
    var out: [Key: Aggregate] = [:]
    for i in 0..<count where !filter || amount(i) > 0 {
      let start = ts(i) - ts(i) % 10_000
      let key = Key(windowStart: KafkaEvents.iso(start), country: country(i))
      var a = out[key] ?? Aggregate(n: 0, total: 0)
      a.n += 1
      a.total += amount(i)
      out[key] = a
    }
    return out
  }

  static func iso(_ ms: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
  }

  /// Whether two results are equal; when not, records a short description of how.
  static func same(_ got: [Key: Aggregate], _ expected: [Key: Aggregate]) -> Bool {
    guard got != expected else { return true }
    let missing = expected.keys.filter { got[$0] == nil }
    let extra = got.keys.filter { expected[$0] == nil }
    let wrong = expected.keys.filter { got[$0] != nil && got[$0] != expected[$0] }
    Issue.record(
      "\(got.count) rows, \(expected.count) expected: \(missing.count) missing (e.g. \(missing.prefix(2))), \(extra.count) extra (e.g. \(extra.prefix(2))), \(wrong.count) wrong (e.g. \(wrong.prefix(2).map { ($0, got[$0]!, expected[$0]!) }))"
    )
    return false
  }

  /// streamsql's NDJSON rows (window_start, country, n, total), each key once.
  static func rows(_ ndjson: String) throws -> [Key: Aggregate] {
    var out: [Key: Aggregate] = [:]
    for line in ndjson.split(separator: "\n") {
      let o = try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      let key = Key(
        windowStart: try #require(o["window_start"] as? String),
        country: try #require(o["country"] as? String))
      if out[key] != nil { Issue.record("\(key) twice") }
      out[key] = Aggregate(n: try #require(o["n"] as? Int), total: try #require(o["total"] as? Int))
    }
    return out
  }
}
