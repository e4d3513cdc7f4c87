import Foundation
import Testing

/// MQTT by pipe, end to end: a real mosquitto broker on a free loopback port, readings from
/// `examples/iot/gen_readings.py` published with `mosquitto_pub -l`, and
/// `mosquitto_sub | streamsql -f examples/iot/five_minute_average.sql` computing the 5-minute
/// average per sensor. Needs Debian's `mosquitto` and `mosquitto-clients` (CI installs them) and
/// `python3`; a missing tool fails the test rather than skipping it.
///
/// No sleeps stand in for synchronisation: the subscriber's session is made durable first
/// (`mosquitto_sub -c -E` exits once the broker acknowledged the subscription), so the broker
/// keeps every QoS 1 reading for it whether or not the piped subscriber has connected yet.
@Suite(.serialized) struct MessageBusTests {
  @Test func mqttFiveMinuteAveragePerSensor() throws {
    let count = 1200  // 20 minutes of event time, 4 sensors, up to 2 s out of order
    let readings = try generateReadings(["--count", "\(count)", "--seed", "7"])
    #expect(readings.split(separator: "\n").count == count)

    let broker = try MosquittoBroker()
    defer { broker.stop() }
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }

    let clientID = "streamsql-e2e-\(UUID().uuidString.prefix(8))"
    try broker.makeDurableSubscription(clientID: clientID, topic: "sensors/#")

    let pipeline = try SubscriberPipeline(
      broker: broker, clientID: clientID, topic: "sensors/#", messages: count,
      query: iotDirectory.appendingPathComponent("five_minute_average.sql"), in: dir)
    defer { pipeline.stop() }

    try broker.publishLines(readings, topic: "sensors/readings")

    try #require(
      pipeline.waitForExit(timeout: 60),
      "pipeline did not finish; streamsql stderr:\n\(pipeline.stderr)")
    #expect(
      pipeline.subscriber.terminationStatus == 0,
      "mosquitto_sub exited \(pipeline.subscriber.terminationStatus)")
    #expect(
      pipeline.streamsql.terminationStatus == 0,
      "streamsql exited \(pipeline.streamsql.terminationStatus): \(pipeline.stderr)")
    #expect(!pipeline.stderr.contains("late"), "\(pipeline.stderr)")
    #expect(!pipeline.stderr.contains("bad"), "\(pipeline.stderr)")

    let expected = try averagesPerWindowAndSensor(readings)
    let rows = try pipeline.outputRows()
    try checkRows(rows, against: expected)
    #expect(rows.count == expected.count)  // 4 windows x 4 sensors
    #expect(rows.count == 16)
  }

  /// Results are prompt: windows that the watermark closed are printed while `mosquitto_sub`
  /// is still running (streamsql flushes whenever its input would block), and the last,
  /// still-open window is printed when the subscriber stops and the pipe closes.
  @Test func mqttWindowsArePrintedWhileTheSubscriberRuns() throws {
    // 12 minutes of event time: windows 08:00 and 08:05 close (watermark 08:12 > 08:10:10),
    // the window from 08:10 stays open until end of input.
    let readings = try generateReadings(["--count", "720", "--seed", "11"])
    let broker = try MosquittoBroker()
    defer { broker.stop() }
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }

    let clientID = "streamsql-e2e-\(UUID().uuidString.prefix(8))"
    try broker.makeDurableSubscription(clientID: clientID, topic: "sensors/#")
    let pipeline = try SubscriberPipeline(
      broker: broker, clientID: clientID, topic: "sensors/#", messages: nil,
      query: iotDirectory.appendingPathComponent("five_minute_average.sql"), in: dir)
    defer { pipeline.stop() }
    try broker.publishLines(readings, topic: "sensors/readings")

    let expected = try averagesPerWindowAndSensor(readings)
    let closedEarly = expected.filter {
      $0.key.windowStartMillis < windowStart("2026-11-26T08:10:00.000Z")
    }
    #expect(closedEarly.count == 8)
    let sawThem = poll(timeout: 30) { (try? pipeline.outputRows().count) ?? 0 >= closedEarly.count }
    #expect(sawThem, "closed windows not printed while the subscriber runs: \(pipeline.stdout)")
    #expect(pipeline.subscriber.isRunning && pipeline.streamsql.isRunning)
    if sawThem {
      let early = try pipeline.outputRows()
      #expect(early.count == closedEarly.count)
      try checkRows(early, against: closedEarly)
    }

    // Stop the subscriber: the pipe closes and streamsql fires the open window and exits 0.
    // (SIGKILL: children of the test process inherit a signal mask that blocks SIGTERM.)
    kill(pipeline.subscriber.processIdentifier, SIGKILL)
    try #require(pipeline.waitForExit(timeout: 30), "streamsql did not exit at end of input")
    #expect(pipeline.streamsql.terminationStatus == 0, "\(pipeline.stderr)")
    let rows = try pipeline.outputRows()
    try checkRows(rows, against: expected)
    #expect(rows.count == expected.count)
    #expect(rows.count == 12)
  }
}

// MARK: - Expected results

private let iotDirectory = StreamsqlBinary.repositoryRoot.appendingPathComponent("examples/iot")

private struct GroupKey: Hashable {
  var windowStartMillis: Int64
  var sensor: String
}

private struct Aggregate {
  var readings = 0
  var tempSum = 0.0
  var minTemp = Double.infinity
  var maxTemp = -Double.infinity
  var humiditySum = 0.0
}

private func windowStart(_ iso: String) -> Int64 {
  let formatter = ISO8601DateFormatter()
  formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
  guard let date = formatter.date(from: iso) else { return Int64.min }
  return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

/// The 5-minute tumbling-window aggregates per sensor, computed here from the same readings.
private func averagesPerWindowAndSensor(_ ndjson: String) throws -> [GroupKey: Aggregate] {
  var groups: [GroupKey: Aggregate] = [:]
  for line in ndjson.split(separator: "\n") {
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    let ts = windowStart(try #require(object["ts"] as? String))
    let size: Int64 = 5 * 60 * 1000
    let key = GroupKey(
      windowStartMillis: ts - ((ts % size) + size) % size,
      sensor: try #require(object["sensor"] as? String))
    let temp = try #require((object["temp"] as? NSNumber)?.doubleValue)
    let humidity = try #require((object["humidity"] as? NSNumber)?.doubleValue)
    var a = groups[key] ?? Aggregate()
    a.readings += 1
    a.tempSum += temp
    a.minTemp = min(a.minTemp, temp)
    a.maxTemp = max(a.maxTemp, temp)
    a.humiditySum += humidity
    groups[key] = a
  }
  return groups
}

/// Each output row matches its group: exact counts, minima and maxima; averages within the
/// query's rounding to 2 decimals.
private func checkRows(_ rows: [[String: Any]], against expected: [GroupKey: Aggregate]) throws {
  var seen = Set<GroupKey>()
  for row in rows {
    let start = windowStart(try #require(row["window_start"] as? String))
    let end = windowStart(try #require(row["window_end"] as? String))
    #expect(end - start == 5 * 60 * 1000)
    let key = GroupKey(windowStartMillis: start, sensor: try #require(row["sensor"] as? String))
    #expect(seen.insert(key).inserted, "row printed twice: \(row)")
    guard let e = expected[key] else {
      Issue.record("unexpected row \(row)")
      continue
    }
    let n = Double(e.readings)
    #expect((row["readings"] as? NSNumber)?.intValue == e.readings, "\(row)")
    #expect((row["min_temp"] as? NSNumber)?.doubleValue == e.minTemp, "\(row)")
    #expect((row["max_temp"] as? NSNumber)?.doubleValue == e.maxTemp, "\(row)")
    let avgTemp = try #require((row["avg_temp"] as? NSNumber)?.doubleValue)
    let avgHumidity = try #require((row["avg_humidity"] as? NSNumber)?.doubleValue)
    #expect(
      abs(avgTemp - e.tempSum / n) <= 0.005 + 1e-9, "\(row): expected avg_temp \(e.tempSum / n)")
    #expect(
      abs(avgHumidity - e.humiditySum / n) <= 0.005 + 1e-9,
      "\(row): expected avg_humidity \(e.humiditySum / n)")
  }
}

// MARK: - Processes

private struct ToolMissing: Error, CustomStringConvertible {
  var name: String
  var description: String {
    "\(name) not found (apt-get install mosquitto mosquitto-clients python3)"
  }
}

/// `name` on PATH, or in the directories Debian installs it to (`mosquitto` is in /usr/sbin,
/// which a non-root PATH may lack).
private func executable(_ name: String) throws -> URL {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
  for dir in path.split(separator: ":").map(String.init) + [
    "/usr/sbin", "/usr/bin", "/sbin", "/bin",
  ] {
    let candidate = URL(fileURLWithPath: dir).appendingPathComponent(name)
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
  }
  throw ToolMissing(name: name)
}

/// Calls `condition` until it holds or `timeout` seconds pass; polls every 20 ms.
private func poll(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(timeout)
  while Date() < deadline {
    if condition() { return true }
    usleep(20_000)
  }
  return condition()
}

/// Runs a process to completion with stdin from `input`, killing it after `timeout` seconds.
@discardableResult
private func runToCompletion(
  _ tool: URL, _ arguments: [String], input: Data = Data(), timeout: TimeInterval = 30
) throws -> (status: Int32, stdout: Data, stderr: String) {
  let dir = try StreamsqlBinary.makeTemporaryDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let inURL = dir.appendingPathComponent("in")
  let outURL = dir.appendingPathComponent("out")
  let errURL = dir.appendingPathComponent("err")
  try input.write(to: inURL)
  try Data().write(to: outURL)
  try Data().write(to: errURL)
  let process = Process()
  process.executableURL = tool
  process.arguments = arguments
  process.standardInput = try FileHandle(forReadingFrom: inURL)
  process.standardOutput = try FileHandle(forWritingTo: outURL)
  process.standardError = try FileHandle(forWritingTo: errURL)
  let done = DispatchSemaphore(value: 0)
  process.terminationHandler = { _ in done.signal() }
  try process.run()
  if done.wait(timeout: .now() + timeout) == .timedOut {
    kill(process.processIdentifier, SIGKILL)
    done.wait()
    Issue.record("\(tool.lastPathComponent) \(arguments) timed out")
  }
  let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
  return (process.terminationStatus, (try? Data(contentsOf: outURL)) ?? Data(), err)
}

/// `examples/iot/gen_readings.py ARGS`: seeded NDJSON readings.
private func generateReadings(_ arguments: [String]) throws -> String {
  let script = iotDirectory.appendingPathComponent("gen_readings.py").path
  let result = try runToCompletion(try executable("python3"), [script] + arguments)
  try #require(result.status == 0, "gen_readings.py failed: \(result.stderr)")
  return String(decoding: result.stdout, as: UTF8.self)
}

/// A mosquitto broker on a free loopback port, anonymous, in memory; stopped by `stop()`.
private final class MosquittoBroker {
  let port: UInt16
  let process = Process()
  let directory: URL
  private let exited = DispatchSemaphore(value: 0)

  init() throws {
    directory = try StreamsqlBinary.makeTemporaryDirectory()
    port = TestSocket.freePort()
    let config = directory.appendingPathComponent("mosquitto.conf")
    // max_queued_messages: a durable session may hold all the test's readings while offline.
    try """
    listener \(port) 127.0.0.1
    allow_anonymous true
    persistence false
    max_queued_messages 100000
    log_dest stderr

    """.write(to: config, atomically: true, encoding: .utf8)
    let log = directory.appendingPathComponent("mosquitto.log")
    try Data().write(to: log)
    process.executableURL = try executable("mosquitto")
    process.arguments = ["-c", config.path]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: log)
    process.standardError = try FileHandle(forWritingTo: log)
    let exited = self.exited
    process.terminationHandler = { _ in exited.signal() }
    try process.run()
    let up = poll(timeout: 10) { !process.isRunning || TestSocket.acceptsConnections(port: port) }
    guard up, process.isRunning else {
      stop()
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      try #require(Bool(false), "mosquitto did not start listening on \(port):\n\(text)")
      return
    }
  }

  var arguments: [String] { ["-h", "127.0.0.1", "-p", "\(port)"] }

  /// Creates a persistent session subscribed to `topic` with QoS 1: from now on the broker
  /// keeps the topic's messages for `clientID` until it connects again with `-c`.
  func makeDurableSubscription(clientID: String, topic: String) throws {
    let result = try runToCompletion(
      try executable("mosquitto_sub"),
      arguments + ["-i", clientID, "-c", "-q", "1", "-t", topic, "-E"])
    try #require(result.status == 0, "mosquitto_sub -E failed: \(result.stderr)")
  }

  /// `mosquitto_pub -l`: one QoS 1 message per line.
  func publishLines(_ text: String, topic: String) throws {
    let result = try runToCompletion(
      try executable("mosquitto_pub"), arguments + ["-q", "1", "-t", topic, "-l"],
      input: Data(text.utf8),
      timeout: 60)
    try #require(result.status == 0, "mosquitto_pub failed: \(result.stderr)")
  }

  /// SIGKILL: children of the test process inherit a signal mask that blocks SIGTERM, and the
  /// broker keeps nothing worth a clean shutdown.
  func stop() {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      exited.wait()
    }
    try? FileManager.default.removeItem(at: directory)
  }
}

/// `mosquitto_sub ... [-C N] | streamsql -f QUERY`, two processes joined by a pipe; streamsql's
/// stdout and stderr go to files in `directory`.
private final class SubscriberPipeline {
  let subscriber = Process()
  let streamsql = Process()
  let outURL: URL
  let errURL: URL
  private let subscriberExited = DispatchSemaphore(value: 0)
  private let streamsqlExited = DispatchSemaphore(value: 0)

  init(
    broker: MosquittoBroker, clientID: String, topic: String, messages: Int?, query: URL,
    in directory: URL
  ) throws {
    outURL = directory.appendingPathComponent("streamsql.out")
    errURL = directory.appendingPathComponent("streamsql.err")
    let subErrURL = directory.appendingPathComponent("mosquitto_sub.err")
    for url in [outURL, errURL, subErrURL] { try Data().write(to: url) }

    let pipe = Pipe()
    subscriber.executableURL = try executable("mosquitto_sub")
    subscriber.arguments =
      broker.arguments + ["-i", clientID, "-c", "-q", "1", "-t", topic]
      + (messages.map { ["-C", "\($0)"] } ?? [])
    subscriber.standardInput = FileHandle.nullDevice
    subscriber.standardOutput = pipe.fileHandleForWriting
    subscriber.standardError = try FileHandle(forWritingTo: subErrURL)

    streamsql.executableURL = StreamsqlBinary.url
    streamsql.arguments = ["-f", query.path]
    streamsql.standardInput = pipe.fileHandleForReading
    streamsql.standardOutput = try FileHandle(forWritingTo: outURL)
    streamsql.standardError = try FileHandle(forWritingTo: errURL)
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    streamsql.environment = environment

    let s1 = subscriberExited
    let s2 = streamsqlExited
    subscriber.terminationHandler = { _ in s1.signal() }
    streamsql.terminationHandler = { _ in s2.signal() }
    try streamsql.run()
    try subscriber.run()
    // Only the children may hold the pipe, or streamsql would never see end of input.
    try? pipe.fileHandleForWriting.close()
    try? pipe.fileHandleForReading.close()
  }

  /// Waits for both processes to exit; false if they did not within `timeout` seconds.
  func waitForExit(timeout: TimeInterval) -> Bool {
    let deadline = DispatchTime.now() + timeout
    let subscriberDone = subscriberExited.wait(timeout: deadline) == .success
    if subscriberDone { subscriberExited.signal() }
    let streamsqlDone = streamsqlExited.wait(timeout: deadline) == .success
    if streamsqlDone { streamsqlExited.signal() }
    return subscriberDone && streamsqlDone
  }

  var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
  var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

  /// streamsql's complete output lines so far, as JSON objects.
  func outputRows() throws -> [[String: Any]] {
    let text = stdout
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    lines.removeLast()  // the part after the last newline (empty once a line is complete)
    return try lines.map { line in
      try #require(
        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        "not JSON: \(line)")
    }
  }

  func stop() {
    for (process, exited) in [(subscriber, subscriberExited), (streamsql, streamsqlExited)]
    where process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      exited.wait()
      exited.signal()
    }
  }
}
