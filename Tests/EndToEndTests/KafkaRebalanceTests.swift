import Foundation
import Testing

/// Partitions moving between the processes of a group in the middle of a stream: a second
/// process joins, or one of two stops.
///
/// What is expected, exactly: a member joining or stopping is a clean rebalance; when its
/// partitions are revoked, a process applies every record it already read, flushes its
/// outputs and commits the offsets of what it applied, drops what librdkafka fetched but it
/// had not read, and each partition's new owner starts at that committed offset (a partition
/// given straight back goes on from where the process stopped). So every record's row is
/// printed exactly once, by one of the two processes. Window state does not move with a partition; here the move
/// happens between windows (every window the first process had open holds no row of a
/// partition it loses), so each (window, country) result is printed exactly once too, by the
/// process that read its partition, and equals what one process would print. Per-partition
/// watermarks must follow the move: a revoked partition stops holding back the first
/// process's windows, which must fire while it runs, and partitions read one after the other
/// make no row late.
@Suite(.serialized) struct KafkaRebalanceTests {
  /// Each partition carries one country, so a (window, country) result is one partition's.
  static let countries = ["DE", "US", "FR"]
  static let base: Int64 = 1_795_680_000_000  // 2026-11-26T05:20:00Z, a multiple of 10 s
  /// Events per partition before the join (60 s of event time) and in all (120 s).
  static let firstHalf = 240
  static let all = 480

  static func id(_ p: Int, _ i: Int) -> Int { p * 100_000 + i }
  static func ts(_ i: Int) -> Int64 { base + Int64(i) * 250 }
  static func amount(_ p: Int, _ i: Int) -> Int { (i * 13 + p * 7) % 50 - 5 }

  static func events(_ p: Int, _ range: Range<Int>) -> [(
    partition: Int32, key: String?, value: String
  )] {
    range.map { i in
      (
        Int32(p), "e\(i)",
        #"{"kind":"event","id":\#(id(p, i)),"ts":\#(ts(i)),"country":"\#(countries[p])","amount":\#(amount(p, i))}"#
      )
    }
  }

  /// A record that only moves its partition's event time (WHERE drops it).
  static func tick(_ p: Int, at ms: Int64) -> (partition: Int32, key: String?, value: String) {
    (
      Int32(p), "tick",
      #"{"kind":"tick","id":-1,"ts":\#(ms),"country":"\#(countries[p])","amount":0}"#
    )
  }

  static func expected(upTo n: Int) -> [KafkaEvents.Key: KafkaEvents.Aggregate] {
    var out: [KafkaEvents.Key: KafkaEvents.Aggregate] = [:]
    for p in 0..<3 {
      for i in 0..<n {
        let key = KafkaEvents.Key(
          windowStart: KafkaEvents.iso(ts(i) - ts(i) % 10_000), country: countries[p])
        var a = out[key] ?? KafkaEvents.Aggregate(n: 0, total: 0)
        a.n += 1
        a.total += amount(p, i)
        out[key] = a
      }
    }
    return out
  }

  @Test func aMemberJoiningMidStreamTakesPartitionsWithoutLosingOrRepeatingARow() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("events", partitions: 3)
    let root = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let script = """
      CREATE STREAM events WITH (
        source = 'kafka://\(broker.address)/events?group=rb&\(KafkaTests.groupSettings)', timestamp = 'ts');
      INSERT INTO 'rows.ndjson' SELECT id, _partition AS p FROM events WHERE kind = 'event';
      INSERT INTO 'agg.ndjson' SELECT country, COUNT(*) AS n, SUM(amount) AS total
        FROM events WINDOW TUMBLING (SIZE 10 SECONDS) WHERE kind = 'event' GROUP BY country;
      """
    var dirs: [URL] = []
    for name in ["a", "b"] {
      let dir = root.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      try script.write(to: dir.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
      dirs.append(dir)
    }
    func lines(_ dir: URL, _ file: String) -> [Substring] {
      let text = (try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? ""
      return text.split(separator: "\n")
    }

    // The first process alone reads the first half, up to a tick at 60 s on every partition:
    // every window before 60 s fires in it, and the windows it has open are empty.
    let a = try KafkaTestTools.Child.streamsql(["-f", "q.sql"], in: dirs[0], tag: "a")
    defer { a.kill() }
    try #require(
      KafkaTestTools.poll(timeout: 60) { a.assignedPartitions == [0, 1, 2] }, "\(a.stderr)")
    let middle = KafkaRebalanceTests.ts(KafkaRebalanceTests.firstHalf)
    for p in 0..<3 {
      try broker.produce(
        "events",
        KafkaRebalanceTests.events(p, 0..<KafkaRebalanceTests.firstHalf)
          + [KafkaRebalanceTests.tick(p, at: middle)])
    }
    let firstHalf = KafkaRebalanceTests.expected(upTo: KafkaRebalanceTests.firstHalf)
    try #require(
      KafkaTestTools.poll(timeout: 60) {
        lines(dirs[0], "agg.ndjson").count == firstHalf.count
          && lines(dirs[0], "rows.ndjson").count == 3 * KafkaRebalanceTests.firstHalf
      }, "\(a.stderr)")

    // Everything applied is committed to the group (periodically, every 5 s) before the
    // second process joins. The process also commits when its partitions are revoked, but
    // noida-db refuses commits once a rebalance started ("Specified group generation id is
    // not valid"), where Kafka takes them; a partition moving then would be read again from
    // the last periodic commit by its new owner.
    let ends = try broker.endOffsets("events", partitions: 3)
    try #require(
      try KafkaTestTools.poll(timeout: 60) {
        try broker.committed("rb", "events", partitions: 3) == ends
      }, "\(a.stderr)")

    // The second process joins; the group settles with each holding some partitions.
    let b = try KafkaTestTools.Child.streamsql(["-f", "q.sql"], in: dirs[1], tag: "b")
    defer { b.kill() }
    let settled = KafkaTestTools.splitThreePartitions(a, b)
    try #require(settled, "group did not settle:\n\(a.stderr)\n\(b.stderr)")
    let movedToB = b.assignedPartitions

    // The second half, one partition after the other (a process holding two partitions
    // reads one far ahead of the other), then a tick an hour later closing every window.
    for p in 0..<3 {
      try broker.produce(
        "events",
        KafkaRebalanceTests.events(p, KafkaRebalanceTests.firstHalf..<KafkaRebalanceTests.all))
    }
    for p in 0..<3 {
      try broker.produce(
        "events", [KafkaRebalanceTests.tick(p, at: middle + 3_600_000)])
    }
    let expected = KafkaRebalanceTests.expected(upTo: KafkaRebalanceTests.all)
    // Every window fires while both run: nothing waits for the stop.
    let fired = KafkaTestTools.poll(timeout: 60) {
      lines(dirs[0], "agg.ndjson").count + lines(dirs[1], "agg.ndjson").count >= expected.count
        && lines(dirs[0], "rows.ndjson").count + lines(dirs[1], "rows.ndjson").count
          >= 3 * KafkaRebalanceTests.all
    }
    #expect(fired, "a:\n\(a.stderr)\nb:\n\(b.stderr)")
    a.signal(SIGTERM)
    b.signal(SIGTERM)
    #expect(a.wait(timeout: 30) && a.status == 0, "\(a.stderr)")
    #expect(b.wait(timeout: 30) && b.status == 0, "\(b.stderr)")
    #expect(!a.stderr.contains("late") && !b.stderr.contains("late"), "\(a.stderr)\n\(b.stderr)")

    // Rows: each record exactly once over both; the second process's only from its partitions.
    func rows(_ dir: URL) throws -> [(id: Int, p: Int)] {
      try lines(dir, "rows.ndjson").map {
        let o = try #require(
          try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        return (try #require(o["id"] as? Int), try #require(o["p"] as? Int))
      }
    }
    let rowsA = try rows(dirs[0])
    let rowsB = try rows(dirs[1])
    let ids = (rowsA + rowsB).map(\.id)
    let all = (0..<3).flatMap { p in
      (0..<KafkaRebalanceTests.all).map { KafkaRebalanceTests.id(p, $0) }
    }
    #expect(ids.count == all.count, "\(rowsA.count) + \(rowsB.count) rows for \(all.count) records")
    #expect(Set(ids) == Set(all))
    #expect(
      !rowsB.isEmpty && Set(rowsB.map(\.p)) == movedToB,
      "b read \(Set(rowsB.map(\.p))), was given \(movedToB)")

    // Aggregates: each (window, country) once over both, equal to the whole input's.
    let aggA = try KafkaEvents.rows(lines(dirs[0], "agg.ndjson").joined(separator: "\n"))
    let aggB = try KafkaEvents.rows(lines(dirs[1], "agg.ndjson").joined(separator: "\n"))
    #expect(Set(aggA.keys).isDisjoint(with: aggB.keys))
    #expect(KafkaEvents.same(aggA.merging(aggB) { x, _ in x }, expected))
    #expect(
      Set(aggB.keys.map(\.country)) == Set(movedToB.map { KafkaRebalanceTests.countries[$0] }))
  }

  /// A member that stops (SIGTERM) while records stream in hands its partitions back: it
  /// applies what it read, writes its rows, commits their offsets and leaves; the other
  /// process, whose own partitions are revoked and given straight back in the same rebalance,
  /// goes on from where each partition stopped. Every record's row is printed exactly once.
  /// (Rows only: windows open at the stop would be printed partly by both, as the README
  /// says.)
  @Test func aMemberLeavingMidStreamHandsItsPartitionsBackWithoutLosingOrRepeatingARow() throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("events", partitions: 3)
    let root = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let query =
      "SELECT id, _partition AS p FROM 'kafka://\(broker.address)/events?group=leave&\(KafkaTests.groupSettings)'"
    var dirs: [URL] = []
    for name in ["a", "b"] {
      let dir = root.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      dirs.append(dir)
    }
    func ids(_ dir: URL) throws -> [Int] {
      let text =
        (try? String(contentsOf: dir.appendingPathComponent("rows.ndjson"), encoding: .utf8)) ?? ""
      return try text.split(separator: "\n").map {
        let o = try #require(
          try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        return try #require(o["id"] as? Int)
      }
    }
    let a = try KafkaTestTools.Child.streamsql(["-o", "rows.ndjson", query], in: dirs[0], tag: "a")
    defer { a.kill() }
    let b = try KafkaTestTools.Child.streamsql(["-o", "rows.ndjson", query], in: dirs[1], tag: "b")
    defer { b.kill() }
    let settled = KafkaTestTools.splitThreePartitions(a, b)
    try #require(settled, "group did not settle:\n\(a.stderr)\n\(b.stderr)")

    let total = 30_000
    func records(_ range: Range<Int>) -> [(partition: Int32, key: String?, value: String)] {
      range.map {
        (Int32($0 % 3), nil, #"{"id":\#($0),"pad":"\#(String(repeating: "x", count: 40))"}"#)
      }
    }
    try broker.produce("events", records(0..<total / 2))
    try #require(
      try KafkaTestTools.poll(timeout: 60) { try !ids(dirs[1]).isEmpty }, "\(b.stderr)")
    let gone = b.assignedPartitions
    // The second process is stopped while the second half streams in, in small batches.
    let batch = 1_000
    for (k, start) in stride(from: total / 2, to: total, by: batch).enumerated() {
      try broker.produce("events", records(start..<min(total, start + batch)))
      if k == 0 { b.signal(SIGTERM) }
    }
    #expect(b.wait(timeout: 30) && b.status == 0, "\(b.stderr)")
    let all = try KafkaTestTools.poll(timeout: 60) {
      try ids(dirs[0]).count + ids(dirs[1]).count >= total
    }
    #expect(all, "a:\n\(a.stderr)\nb:\n\(b.stderr)")
    #expect(
      KafkaTestTools.poll(timeout: 60) { a.assignedPartitions == [0, 1, 2] }, "\(a.stderr)")
    a.signal(SIGTERM)
    #expect(a.wait(timeout: 30) && a.status == 0, "\(a.stderr)")

    // The first process took over the partitions the second gave back.
    let takenOver = try ids(dirs[0]).filter { gone.contains($0 % 3) }
    #expect(!takenOver.isEmpty, "\(a.stderr)")
    let printed = try ids(dirs[0]) + ids(dirs[1])
    let repeated = Dictionary(grouping: printed, by: { $0 }).filter { $1.count > 1 }.count
    #expect(
      printed.count == total && Set(printed) == Set(0..<total),
      "\(printed.count) rows, \(repeated) ids repeated, \(total - Set(printed).count) missing")
  }
}
