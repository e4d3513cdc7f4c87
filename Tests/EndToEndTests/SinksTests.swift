import CSQLite
import Foundation
import Testing

/// Issue 5, sinks: the SQLite serving table, the TCP sink, and backpressure from a slow
/// consumer. Real processes, real sockets on loopback; waits are polls with deadlines.
@Suite struct SinksTests {
  static let perMinute = """
    SELECT sensor, COUNT(*) AS n, SUM(v) AS total, MAX(ts) AS last_seen FROM stdin TIMESTAMP BY ts
    WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY sensor HAVING COUNT(*) < 21
    """

  /// Readings over 10 minutes from 5 sensors and one without a sensor (a NULL group key); some
  /// groups pass 20 readings in a minute, so HAVING retracts rows EMIT CHANGES printed earlier (`-D`).
  static func readings() -> String {
    var lines: [String] = []
    for i in 0..<1200 {
      let ts = 1_767_225_600_000 + Int64(i) * 500
      let sensor = i % 7 == 6 ? "null" : "\"s\((i * 31) % 5)\""
      lines.append("{\"ts\":\(ts),\"sensor\":\(sensor),\"v\":\(i % 13)}")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test func changesLeaveTheTableEqualToTheFinalResult() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let db = dir.appendingPathComponent("metrics.db").path
    let input = SinksTests.readings()
    // EMIT CHANGES fed in many small writes, so rows are updated and retracted along the way.
    let child = try SinkChild([
      "INSERT INTO 'sqlite://\(db)?table=changes' \(SinksTests.perMinute) EMIT CHANGES"
    ])
    for piece in input.split(separator: "\n").chunks(of: 25) {
      try child.write(piece.joined(separator: "\n") + "\n")
    }
    #expect(child.finish() == 0)
    let final = try StreamsqlBinary.run(
      ["INSERT INTO 'sqlite://\(db)?table=final' \(SinksTests.perMinute) EMIT FINAL"],
      stdin: Data(input.utf8), in: dir)
    #expect(final.status == 0, "\(final.stderr)")
    let stdout = try StreamsqlBinary.run([SinksTests.perMinute], stdin: Data(input.utf8), in: dir)
    let order = "ORDER BY window_start, sensor"
    let changes = try SQLiteReader(db).rows("SELECT * FROM changes \(order)")
    let finalRows = try SQLiteReader(db).rows("SELECT * FROM final \(order)")
    #expect(!finalRows.isEmpty)
    #expect(changes == finalRows)
    #expect(finalRows.count == stdout.stdout.split(separator: "\n").count)
    // Timestamps are ISO-8601 text that SQLite's date functions read; a NULL key is a group.
    #expect(
      try SQLiteReader(db).rows("SELECT datetime(MIN(window_start)) FROM final") == [
        ["2026-01-01 00:00:00"]
      ])
    #expect(
      try SQLiteReader(db).rows("SELECT COUNT(*) FROM final WHERE sensor IS NULL") == [["10"]])
    #expect(try SQLiteReader(db).rows("PRAGMA journal_mode") == [["wal"]])
  }

  @Test func replayingTheSameInputWritesNoDuplicates() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let db = dir.appendingPathComponent("replay.db").path
    let input = Data(SinksTests.readings().utf8)
    var tables: [[[String]]] = []
    for _ in 0..<2 {
      let run = try StreamsqlBinary.run(
        ["INSERT INTO 'sqlite://\(db)?table=t' \(SinksTests.perMinute)"], stdin: input, in: dir)
      #expect(run.status == 0, "\(run.stderr)")
      tables.append(try SQLiteReader(db).rows("SELECT * FROM t ORDER BY window_start, sensor"))
    }
    #expect(!tables[0].isEmpty)
    #expect(tables[0] == tables[1])
  }

  /// WAL: another program reads the table while streamsql runs with its input still open.
  @Test func aReaderSeesRowsWhileStreamsqlRuns() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let db = dir.appendingPathComponent("live.db").path
    let child = try SinkChild([
      "INSERT INTO 'sqlite://\(db)?table=per_min' SELECT sensor, COUNT(*) AS n FROM stdin TIMESTAMP BY ts "
        + "WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY sensor"
    ])
    try child.write(
      "{\"ts\":\"2026-01-01T00:00:01Z\",\"sensor\":\"a\"}\n{\"ts\":\"2026-01-01T00:00:02Z\",\"sensor\":\"a\"}\n"
        + "{\"ts\":\"2026-01-01T00:01:01Z\",\"sensor\":\"b\"}\n")
    let seen = poll(timeout: 20) { try? SQLiteReader(db).rows("SELECT sensor, n FROM per_min") }
    #expect(seen == [["a", "2"]])
    #expect(child.isRunning)
    try child.write("{\"ts\":\"2026-01-01T00:02:01Z\",\"sensor\":\"c\"}\n")
    let more = poll(timeout: 20) { () -> [[String]]? in
      let rows = try? SQLiteReader(db).rows("SELECT sensor, n FROM per_min ORDER BY window_start")
      return rows?.count == 2 ? rows : nil
    }
    #expect(more == [["a", "2"], ["b", "1"]])
    #expect(child.finish() == 0)
    #expect(
      try SQLiteReader(db).rows("SELECT sensor, n FROM per_min ORDER BY window_start") == [
        ["a", "2"], ["b", "1"], ["c", "1"],
      ])
  }

  @Test func tcpSinkDeliversEveryRow() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    let server = try LineServer()
    let count = 100_000
    let input = (0..<count).map { "{\"i\":\($0),\"k\":\"x\"}" }.joined(separator: "\n") + "\n"
    let run = try StreamsqlBinary.run(
      ["INSERT INTO 'tcp://127.0.0.1:\(server.port)' SELECT i FROM stdin"], stdin: Data(input.utf8),
      in: dir, timeout: 60)
    #expect(run.status == 0, "\(run.stderr)")
    let lines = server.waitForClose(timeout: 20)
    #expect(lines?.count == count)
    let numbers = Set(lines?.compactMap { Int($0.dropFirst(5).dropLast()) } ?? [])
    #expect(numbers == Set(0..<count))
  }

  /// The peer may start later: streamsql retries, says so on stderr, and delivers every row.
  @Test func tcpSinkRetriesUntilThePeerListens() throws {
    let port = Int(TestSocket.freePort())
    let child = try SinkChild(
      ["INSERT INTO 'tcp://127.0.0.1:\(port)' SELECT i FROM stdin"], captureStderr: true)
    let retried = poll(timeout: 20) { child.stderrText.contains("retrying") ? true : nil }
    #expect(retried == true)
    let server = try LineServer(port: port)
    try child.write("{\"i\":1}\n{\"i\":2}\n")
    #expect(child.finish() == 0)
    #expect(server.waitForClose(timeout: 20) == ["{\"i\":1}", "{\"i\":2}"])
    #expect(child.stderrText.contains("connected to tcp://127.0.0.1:\(port)"))
  }

  /// A consumer that stops reading: streamsql stops reading its input (the writer stalls), its
  /// peak RSS stays bounded, and every row arrives once reading resumes. The volume is
  /// `STREAMSQL_BACKPRESSURE_MB` (default 64; the 2 GB run takes long in a debug build).
  @Test func slowConsumerBlocksWithBoundedMemory() throws {
    let megabytes =
      Int(ProcessInfo.processInfo.environment["STREAMSQL_BACKPRESSURE_MB"] ?? "") ?? 64
    let pad = String(repeating: "p", count: 1000)
    let rowBytes = "{\"i\":0000000,\"pad\":\"\(pad)\"}\n".utf8.count
    let rows = megabytes * 1_000_000 / rowBytes
    let child = try SinkChild(["SELECT i, pad FROM stdin"])
    let written = ByteCounter()
    let writer = Thread {
      var block = ""
      for i in 0..<rows {
        block += "{\"i\":\(i),\"pad\":\"\(pad)\"}\n"
        if block.utf8.count > 1 << 16 || i == rows - 1 {
          guard (try? child.write(block)) != nil else { return }
          written.add(block.utf8.count)
          block = ""
        }
      }
      try? child.closeInput()
    }
    writer.start()
    // Not reading: the writer must stall after a bounded amount (pipes, one read-ahead window).
    var last = -1
    let stalled = poll(timeout: 60, interval: 0.5) { () -> Int? in
      let now = written.value
      defer { last = now }
      return now == last ? now : nil
    }
    #expect(
      stalled != nil && stalled! < 32_000_000,
      "streamsql took \(stalled ?? -1) bytes while its output was not read")
    #expect(child.isRunning)
    var peak = child.peakRSSKilobytes() ?? 0
    // Resume: every row arrives, in order, once.
    var received = 0
    var nextID = 0
    var ordered = true
    let finished = child.readLines(timeout: 600) { line in
      if received % 2000 == 0 { peak = max(peak, child.peakRSSKilobytes() ?? 0) }
      received += 1
      if !line.hasPrefix("{\"i\":\(nextID),") { ordered = false }
      nextID += 1
    }
    #expect(finished)
    #expect(received == rows)
    #expect(ordered)
    #expect(peak > 0 && peak < 200_000, "peak RSS \(peak) kB")
    #expect(child.finish() == 0)
  }
}

/// Polls `body` every `interval` seconds until it returns a value or `timeout` passes.
func poll<T>(timeout: TimeInterval, interval: TimeInterval = 0.05, _ body: () -> T?) -> T? {
  let deadline = Date().addingTimeInterval(timeout)
  while Date() < deadline {
    if let value = body() { return value }
    Thread.sleep(forTimeInterval: interval)
  }
  return body()
}

extension Array {
  func chunks(of size: Int) -> [ArraySlice<Element>] {
    stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
  }
}

/// Bytes the writer thread has handed to the child, read from the test's thread.
final class ByteCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var total = 0
  func add(_ n: Int) { lock.withLock { total += n } }
  var value: Int { lock.withLock { total } }
}
