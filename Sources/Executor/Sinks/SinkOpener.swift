import Planner

/// Opens the sinks of `INSERT INTO` for a run: files, SQLite tables, TCP peers, Kafka topics.
///
/// Queries writing to the same file share one sink; queries writing to the same database file
/// share one connection (SQLite has one writer at a time, and the run commits them together
/// whenever input would block); queries writing to the same TCP peer share one connection.
final class SinkOpener {
  private var files: [String: OutputSink] = [:]
  private var databases: [String: SQLiteDatabase] = [:]
  private var connections: [String: OutputSink] = [:]
  /// Kafka producers by cluster (`KafkaProducer.sharingKey`): sinks to one cluster share one,
  /// so their rows are in one transaction.
  private var producers: [String: KafkaProducer] = [:]
  private let log: (String) -> Void
  /// `--checkpoint`: SQLite commits are synced (`SQLiteDatabase.init(path:durable:)`).
  private let durable: Bool
  /// `--checkpoint`: Kafka sinks are transactional, with ids derived from this (stable across
  /// restarts of the same command, so a restart fences the crashed run's transaction).
  var kafkaTransactionalID: String?
  /// Resuming from a checkpoint: output files (already cut back) are appended to.
  var appendsToFiles = false

  init(log: @escaping (String) -> Void = TCPConnector.stderr, durable: Bool = false) {
    self.log = log
    self.durable = durable
  }

  /// The sink for `query`, and whether it is new (the runner flushes and closes new sinks).
  func open(_ query: QueryPlan) throws(RunError) -> (sink: OutputSink, isNew: Bool) {
    switch query.sink {
    case .file(let path):
      if let sink = files[path] { return (sink, false) }
      let sink = try OutputSink(path: path, append: appendsToFiles)
      files[path] = sink
      return (sink, true)
    case .sqlite(let path, let table):
      let database: SQLiteDatabase
      if let d = databases[path] {
        database = d
      } else {
        database = try SQLiteDatabase(path: path, durable: durable)
        databases[path] = database
      }
      let tableSink = try SQLiteTableSink(
        database: database, table: table, columns: query.outputNames,
        keyColumns: query.upsertKeyColumns)
      return (OutputSink(table: tableSink), true)
    case .tcp(let host, let port):
      let key = "\(host):\(port)"
      if let sink = connections[key] { return (sink, false) }
      let fd = try TCPConnector.connect(host: host, port: port, log: log)
      let sink = OutputSink(descriptor: fd, name: "tcp://\(key)")
      connections[key] = sink
      return (sink, true)
    case .kafka(let url):
      let key = KafkaProducer.sharingKey(url)
      let producer: KafkaProducer
      if let shared = producers[key] {
        producer = shared
      } else {
        let id = kafkaTransactionalID.map { KafkaProducer.transactionalID(prefix: $0, url) }
        producer = try KafkaProducer(url: url, transactionalID: id)
        producers[key] = producer
      }
      let sink = try KafkaTopicSink(url: url, keyColumns: query.kafkaKeyColumns, producer: producer)
      return (OutputSink(kafka: sink), true)
    case .standardOutput:
      preconditionFailure("stdout is the runner's own sink")
    }
  }

  /// Whether the runner must give the query's rows with changelog operations: a SQLite table
  /// applies `-D` (a row that left the result) as a delete, which plain EMIT CHANGES output
  /// cannot express.
  static func needsChangelog(_ sink: SinkPlan) -> Bool {
    if case .sqlite = sink { return true }
    return false
  }
}
