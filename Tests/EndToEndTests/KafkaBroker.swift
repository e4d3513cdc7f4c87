import CRdKafka
import Foundation
import Testing

/// A Kafka-protocol broker for the Kafka tests: the `noida-db` binary from PyPI
/// (`pip install noida-db==0.2.3`; CI installs it) on a free loopback port with a fresh data
/// directory, started by the test and killed by `stop()`. A missing broker fails the test
/// rather than skipping it, as a missing mosquitto fails the MQTT tests.
///
/// Topics, records and offsets are handled here through librdkafka itself (the admin API
/// creates topics with several partitions, which kcat cannot).
final class KafkaBroker {
  let port: UInt16
  let directory: URL
  private let process = Process()
  private let exited = DispatchSemaphore(value: 0)

  var address: String { "127.0.0.1:\(port)" }

  init() throws {
    let binary = try KafkaBroker.binary()
    directory = try StreamsqlBinary.makeTemporaryDirectory()
    port = TestSocket.freePort()
    process.executableURL = binary
    process.arguments = [
      "start", "--only", "kafka", "--kafka-port", "\(port)", "--data-dir",
      directory.appendingPathComponent("data").path,
    ]
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = directory.path
    process.environment = environment
    process.standardOutput = try FileHandle(
      forWritingTo: KafkaTestTools.emptyFile(directory.appendingPathComponent("broker.out")))
    process.standardError = try FileHandle(
      forWritingTo: KafkaTestTools.emptyFile(directory.appendingPathComponent("broker.err")))
    process.terminationHandler = { [exited] _ in exited.signal() }
    try process.run()
    let port = self.port
    let up = KafkaTestTools.poll(timeout: 15) { TestSocket.acceptsConnections(port: port) }
    if !up {
      stop()
      Issue.record("noida-db did not listen on \(port)")
      throw KafkaTestTools.Failure(message: "broker did not start")
    }
  }

  /// The broker binary inside the installed `noida_db` Python package.
  private static func binary() throws -> URL {
    let python = try KafkaTestTools.executable("python3")
    let result = try KafkaTestTools.run(
      python,
      [
        "-c",
        "import noida_db,os; print(os.path.join(os.path.dirname(noida_db.__file__), 'noida-db'))",
      ])
    let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard result.status == 0, FileManager.default.isExecutableFile(atPath: path) else {
      throw KafkaTestTools.Failure(
        message: "noida-db not found (pip install noida-db==0.2.3): \(result.stderr)")
    }
    return URL(fileURLWithPath: path)
  }

  func stop() {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      exited.wait()
    }
    try? FileManager.default.removeItem(at: directory)
  }

  // MARK: librdkafka

  /// A librdkafka handle of `type` with `settings`.
  func handle(_ type: rd_kafka_type_t, _ settings: [String: String] = [:]) throws -> OpaquePointer {
    let conf = rd_kafka_conf_new()!
    var errors = [CChar](repeating: 0, count: 512)
    for (k, v) in ["bootstrap.servers": address].merging(settings, uniquingKeysWith: { $1 }) {
      guard rd_kafka_conf_set(conf, k, v, &errors, errors.count) == RD_KAFKA_CONF_OK else {
        throw KafkaTestTools.Failure(message: "\(k): \(KafkaTestTools.text(errors))")
      }
    }
    rd_kafka_conf_set_log_cb(conf, nil)
    guard let rk = rd_kafka_new(type, conf, &errors, errors.count) else {
      throw KafkaTestTools.Failure(message: KafkaTestTools.text(errors))
    }
    return rk
  }

  /// Creates `topic` with `partitions` partitions through the admin API.
  func createTopic(_ topic: String, partitions: Int) throws {
    let rk = try handle(RD_KAFKA_PRODUCER)
    defer { rd_kafka_destroy(rk) }
    var errors = [CChar](repeating: 0, count: 512)
    let newTopic = rd_kafka_NewTopic_new(topic, Int32(partitions), 1, &errors, errors.count)
    defer { rd_kafka_NewTopic_destroy(newTopic) }
    let queue = rd_kafka_queue_new(rk)!
    defer { rd_kafka_queue_destroy(queue) }
    var topics: [OpaquePointer?] = [newTopic]
    rd_kafka_CreateTopics(rk, &topics, 1, nil, queue)
    guard let event = rd_kafka_queue_poll(queue, 15_000) else {
      throw KafkaTestTools.Failure(message: "CreateTopics timed out")
    }
    defer { rd_kafka_event_destroy(event) }
    guard rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR_NO_ERROR,
      let result = rd_kafka_event_CreateTopics_result(event)
    else {
      throw KafkaTestTools.Failure(
        message: "CreateTopics: \(String(cString: rd_kafka_event_error_string(event)))")
    }
    var count = 0
    let results = rd_kafka_CreateTopics_result_topics(result, &count)
    for i in 0..<count {
      let err = rd_kafka_topic_result_error(results![i])
      guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw KafkaTestTools.Failure(
          message: "create \(topic): \(String(cString: rd_kafka_err2str(err)))")
      }
    }
  }

  /// Writes `records` (partition, key, value) in order and waits for every delivery.
  func produce(_ topic: String, _ records: [(partition: Int32, key: String?, value: String)]) throws
  {
    let rk = try handle(RD_KAFKA_PRODUCER, ["linger.ms": "5"])
    defer { rd_kafka_destroy(rk) }
    let t = rd_kafka_topic_new(rk, topic, nil)
    defer { rd_kafka_topic_destroy(t) }
    for r in records {
      var value = Array(r.value.utf8)
      var key = r.key.map { Array($0.utf8) }
      while true {
        let result: Int32 =
          if var k = key {
            rd_kafka_produce(
              t, r.partition, 2 /* RD_KAFKA_MSG_F_COPY */, &value, value.count, &k, k.count, nil)
          } else {
            rd_kafka_produce(t, r.partition, 2, &value, value.count, nil, 0, nil)
          }
        if result == 0 { break }
        rd_kafka_poll(rk, 50)
        key = r.key.map { Array($0.utf8) }
      }
    }
    guard rd_kafka_flush(rk, 30_000) == RD_KAFKA_RESP_ERR_NO_ERROR else {
      throw KafkaTestTools.Failure(message: "produce to \(topic): not delivered")
    }
  }

  /// Every record of `topic` (partitions 0..<partitions) visible to a `read_committed`
  /// consumer, read to the end of each partition.
  func records(_ topic: String, partitions: Int) throws -> [(
    partition: Int32, key: String?, value: String
  )] {
    let rk = try handle(
      RD_KAFKA_CONSUMER,
      [
        "group.id": "test-reader-\(UUID().uuidString)", "enable.partition.eof": "true",
        "isolation.level": "read_committed", "enable.auto.commit": "false",
      ])
    defer {
      rd_kafka_consumer_close(rk)
      rd_kafka_destroy(rk)
    }
    rd_kafka_poll_set_consumer(rk)
    let list = rd_kafka_topic_partition_list_new(Int32(partitions))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for p in 0..<partitions {
      rd_kafka_topic_partition_list_add(list, topic, Int32(p)).pointee.offset = -2
    }
    rd_kafka_assign(rk, list)
    var ended = Set<Int32>()
    var out: [(Int32, String?, String)] = []
    let deadline = Date().addingTimeInterval(30)
    while ended.count < partitions {
      guard Date() < deadline else {
        throw KafkaTestTools.Failure(message: "reading \(topic) timed out")
      }
      guard let m = rd_kafka_consumer_poll(rk, 100) else { continue }
      defer { rd_kafka_message_destroy(m) }
      if m.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
        ended.insert(m.pointee.partition)
        continue
      }
      guard m.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
      let value = String(
        decoding: UnsafeRawBufferPointer(start: m.pointee.payload, count: m.pointee.len),
        as: UTF8.self)
      let key = m.pointee.key.map {
        String(decoding: UnsafeRawBufferPointer(start: $0, count: m.pointee.key_len), as: UTF8.self)
      }
      out.append((m.pointee.partition, key, value))
    }
    return out
  }

  /// The offset after the last record of each partition (its high watermark).
  func endOffsets(_ topic: String, partitions: Int) throws -> [Int64] {
    let rk = try handle(RD_KAFKA_PRODUCER)
    defer { rd_kafka_destroy(rk) }
    return try (0..<partitions).map { p in
      var low: Int64 = 0
      var high: Int64 = 0
      let err = rd_kafka_query_watermark_offsets(rk, topic, Int32(p), &low, &high, 10_000)
      guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw KafkaTestTools.Failure(
          message: "watermarks of \(topic): \(String(cString: rd_kafka_err2str(err)))")
      }
      return high
    }
  }

  /// The offsets `group` committed for each partition of `topic` (-1001 where none).
  func committed(_ group: String, _ topic: String, partitions: Int) throws -> [Int64] {
    let rk = try handle(RD_KAFKA_CONSUMER, ["group.id": group])
    defer { rd_kafka_destroy(rk) }
    let list = rd_kafka_topic_partition_list_new(Int32(partitions))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for p in 0..<partitions { rd_kafka_topic_partition_list_add(list, topic, Int32(p)) }
    guard rd_kafka_committed(rk, list, 10_000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
    return (0..<partitions).map { list.pointee.elems[$0].offset }
  }
}
