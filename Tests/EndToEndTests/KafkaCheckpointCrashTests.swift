import Foundation
import Testing

/// The transactional Kafka sink across a crash at each step of taking a checkpoint: the
/// process kills itself (SIGKILL, `STREAMSQL_CRASH_AT`) at the chosen step of the N-th
/// checkpoint whose transaction holds records, and the same command started again must leave
/// a `read_committed` consumer of the sink's topic, and the file and SQLite sinks of the same
/// run, with every result exactly once.
///
/// The steps, in order: the records are delivered in the open transaction
/// (`before-checkpoint`), the replaced checkpoint is kept as the previous one
/// (`previous-kept`), the new checkpoint is written (`checkpoint-written`: the gap a
/// single-phase checkpoint lost rows in), the transaction is committed
/// (`transaction-committed`), the source's offsets are committed to its group.
@Suite(.serialized) struct KafkaCheckpointCrashTests {
  struct Crash: Sendable, CustomStringConvertible {
    var point: String
    /// Which checkpoint with records in its transaction: 1 is the first of the run.
    var nth: Int
    /// What the restart must say about the checkpoint it chose.
    var note: String
    /// The whole input is there before the start and the source has `stop=end`, with
    /// checkpoints only at the end: the first checkpoint of all is the one that crashes.
    var atEnd = false
    /// The restart crashes too, here (`STREAMSQL_CRASH_AT`), before a third run completes.
    var thenAgain: String?

    var description: String { "\(point):\(nth)" + (thenAgain.map { " then \($0)" } ?? "") }
  }

  static let crashes = [
    Crash(point: "before-checkpoint", nth: 2, note: "resuming from the checkpoint"),
    Crash(point: "previous-kept", nth: 2, note: "resuming from the checkpoint"),
    Crash(
      point: "checkpoint-written", nth: 2, note: "did not commit; resuming from the one before it"),
    Crash(
      point: "checkpoint-written", nth: 1, note: "did not commit; starting from the beginning",
      atEnd: true),
    Crash(point: "transaction-committed", nth: 2, note: "resuming from the checkpoint"),
    // Resumed from the previous checkpoint, the run crashes again in the same gap: it must not
    // take the abandoned checkpoint for its previous one.
    Crash(
      point: "checkpoint-written", nth: 2, note: "did not commit; resuming from the one before it",
      thenAgain: "checkpoint-written:1"),
  ]

  @Test(arguments: crashes)
  func aCrashWhileCheckpointingNeitherLosesNorRepeatsAResult(_ crash: Crash) throws {
    let broker = try KafkaBroker()
    defer { broker.stop() }
    try broker.createTopic("in", partitions: 3)
    try broker.createTopic("out", partitions: 2)
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let events = KafkaEvents(count: 1500)
    let records = events.records(partitions: 3)
    let expected = events.perWindow(filter: false)
    let aggregate =
      "SELECT country, COUNT(*) AS n, SUM(amount) AS total FROM events"
      + " WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY country"
    try """
    CREATE STREAM events WITH (
      source = 'kafka://\(broker.address)/in?group=tx&\(KafkaTests.restartSettings)\(crash.atEnd ? "&stop=end" : "")', timestamp = 'ts');
    INSERT INTO 'kafka://\(broker.address)/out' \(aggregate);
    INSERT INTO 'agg.ndjson' \(aggregate);
    INSERT INTO 'sqlite://agg.db?table=agg' \(aggregate);
    INSERT INTO 'rows.ndjson' SELECT id FROM events;
    """.write(to: dir.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
    let interval = crash.atEnd ? "1h" : "100ms"
    let command = ["--checkpoint", "ck", "--checkpoint-interval", interval, "-f", "q.sql"]
    // The closing events' window fires only at the end: with `stop=end` it is committed, after
    // a SIGTERM it is aborted with the open transaction. Either way it is not compared.
    func visible() throws -> [(partition: Int32, key: String?, value: String)] {
      try broker.records("out", partitions: 2).filter { !$0.value.contains(#""country":"XX""#) }
    }
    // One event per partition an hour later, so every window above closes.
    let closers = (0..<3).map { p in
      (
        Int32(p), "end",
        #"{"id":-1,"ts":\#(events.ts(events.count) + 3_600_000),"country":"XX","amount":0}"#
      )
    }
    if crash.atEnd { try broker.produce("in", records + closers) }

    let first = try KafkaTestTools.Child.streamsql(
      command, in: dir, tag: "first",
      environment: ["STREAMSQL_CRASH_AT": "\(crash.point):\(crash.nth)"])
    defer { first.kill() }
    if !crash.atEnd {
      try #require(
        KafkaTestTools.poll(timeout: 60) { first.assignedPartitions == [0, 1, 2] },
        "\(first.stderr)")
      try broker.produce("in", Array(records[0..<600]))
      if crash.nth > 1 {
        // The first transaction with results committed: the crash comes at a later one.
        try #require(
          try KafkaTestTools.poll(timeout: 60) { try !visible().isEmpty }, "\(first.stderr)")
      }
      try broker.produce("in", Array(records[600...]) + closers)
    }
    #expect(first.wait(timeout: 60), "never reached \(crash): \(first.stderr)")
    try #require(first.killed, "ended otherwise than at \(crash): \(first.stderr)")

    if let again = crash.thenAgain {
      let crashing = try KafkaTestTools.Child.streamsql(
        command, in: dir, tag: "again", environment: ["STREAMSQL_CRASH_AT": again])
      defer { crashing.kill() }
      #expect(crashing.wait(timeout: 60), "never reached \(again): \(crashing.stderr)")
      try #require(crashing.killed, "ended otherwise than at \(again): \(crashing.stderr)")
      #expect(crashing.stderr.contains(crash.note), "\(crashing.stderr)")
    }
    let second = try KafkaTestTools.Child.streamsql(command, in: dir, tag: "second")
    defer { second.kill() }
    if crash.atEnd {
      #expect(second.wait(timeout: 60) && second.status == 0, "\(second.stderr)")
    } else {
      let complete = try KafkaTestTools.poll(timeout: 60) {
        try visible().count >= expected.count
      }
      #expect(complete, "\(second.stderr)")
      // Stopped by a signal, the open transaction (the windows the stop fires) is aborted.
      second.signal(SIGTERM)
      #expect(second.wait(timeout: 30) && second.status == 0, "\(second.stderr)")
    }
    #expect(second.stderr.contains(crash.note), "\(second.stderr)")

    let messages = try visible()
    #expect(messages.count == expected.count)
    #expect(
      KafkaEvents.same(
        try KafkaEvents.rows(messages.map(\.value).joined(separator: "\n")), expected))
    // The file and SQLite sinks of the same run went back to the same checkpoint.
    let agg = try String(contentsOf: dir.appendingPathComponent("agg.ndjson"), encoding: .utf8)
    let fired = agg.split(separator: "\n").filter { !$0.contains(#""country":"XX""#) }
    #expect(KafkaEvents.same(try KafkaEvents.rows(fired.joined(separator: "\n")), expected))
    let table = try SQLiteReader(dir.appendingPathComponent("agg.db").path).rows(
      "SELECT window_start, country, n, total FROM agg WHERE country <> 'XX'")
    var upserted: [KafkaEvents.Key: KafkaEvents.Aggregate] = [:]
    for row in table {
      upserted[KafkaEvents.Key(windowStart: row[0], country: row[1])] = KafkaEvents.Aggregate(
        n: Int(row[2]) ?? -1, total: Int(row[3]) ?? -1)
    }
    #expect(table.count == expected.count && KafkaEvents.same(upserted, expected))
    let text = try String(contentsOf: dir.appendingPathComponent("rows.ndjson"), encoding: .utf8)
    let ids = try text.split(separator: "\n").map {
      try #require(
        (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? Int)
    }.filter { $0 >= 0 }
    #expect(ids.count == events.count && Set(ids) == Set(0..<events.count), "\(ids.count) rows")
  }
}
