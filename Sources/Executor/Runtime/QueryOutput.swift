import Planner

/// One query's view of its sink: its formatter, its `"query"` label when several queries share
/// stdout, and the `"op"` column of a changelog.
final class QueryOutput {
  let sink: OutputSink
  private var formatter: any RowFormatter
  private let label: Value?
  private let unbuffered: Bool
  private(set) var rowsWritten = 0

  init(
    sink: OutputSink, format: OutputFormat, columns: [String], spread: [Bool], label: Value?,
    changelog: Bool, unbuffered: Bool,
    liveTable: Bool = false, streamingTable: Bool = false
  ) {
    self.sink = sink
    self.label = label
    self.unbuffered = unbuffered
    var names = columns
    var spreads = spread
    if changelog {
      names.insert("op", at: 0)
      spreads.insert(false, at: 0)
    }
    if label != nil {
      names.insert("query", at: 0)
      spreads.insert(false, at: 0)
    }
    if liveTable {
      formatter = LiveTableFormatter(columns: names, spread: spreads)
    } else if streamingTable {
      formatter = StreamingTableFormatter(columns: names, spread: spreads)
    } else {
      formatter = format.makeFormatter(columns: names, spread: spreads)
    }
    formatter.begin(into: &sink.buffer)
  }

  func write(_ row: [Value], op: String? = nil) throws(RunError) {
    rowsWritten += 1
    if let table = sink.table {
      try table.write(row, op: op)
      return
    }
    if let kafka = sink.kafka {
      try writeMessage(row, op: op, to: kafka)
      return
    }
    if label == nil && op == nil {
      formatter.write(row, into: &sink.buffer)
    } else {
      var full: [Value] = []
      full.reserveCapacity(row.count + 2)
      if let label { full.append(label) }
      if let op { full.append(.string(op)) }
      full.append(contentsOf: row)
      formatter.write(full, into: &sink.buffer)
    }
    if unbuffered { try sink.flush() } else { try sink.flushIfFull() }
  }

  /// A Kafka sink: the row, formatted as for a file, is one message keyed by its key columns.
  private func writeMessage(_ row: [Value], op: String?, to kafka: KafkaTopicSink) throws(RunError) {
    var line: [UInt8] = []
    formatter.write(op.map { [.string($0)] + row } ?? row, into: &line)
    var end = line.count
    while end > 0 && (line[end - 1] == 0x0A || line[end - 1] == 0x0D) { end -= 1 }
    try kafka.produce(line[0..<end], key: kafka.key(of: row))
  }

  /// The input would block: a live table draws what its throttle held back.
  func inputIdle() {
    guard var live = formatter as? LiveTableFormatter else { return }
    live.drawPending(into: &sink.buffer)
    formatter = live
  }

  func end() throws(RunError) {
    formatter.end(into: &sink.buffer)
    try sink.flushIfFull()
  }
}
