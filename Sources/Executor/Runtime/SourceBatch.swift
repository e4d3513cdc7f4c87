import Planner

/// The rows scanned from one chunk of one input: values in the source's field slots, plus what
/// bad-row and late-event reporting need to point back at the data.
struct SourceBatch {
  /// Values per row: the source's extracted fields.
  let width: Int
  var values: [Value] = []
  /// 1-based line number of each row in its input.
  var lineNumbers: [Int] = []
  /// Raw bytes of each row's line, kept only when a dead-letter or late-output file wants them.
  var raw: [UInt8] = []
  var rawEnds: [Int] = []
  /// Which input of the source the rows came from.
  var input = 0
  /// Wall clock when the chunk was read, ms: the time under processing time.
  var arrivalMillis: Int64 = 0
  /// Monotonic clock when the chunk was read, for latency.
  var arrivalMicros: Int64 = 0

  init(width: Int) { self.width = width }

  var count: Int { lineNumbers.count }

  mutating func removeAll() {
    values.removeAll(keepingCapacity: true)
    lineNumbers.removeAll(keepingCapacity: true)
    raw.removeAll(keepingCapacity: true)
    rawEnds.removeAll(keepingCapacity: true)
  }

  /// The raw line of row `i`, if kept.
  func rawLine(_ i: Int) -> ArraySlice<UInt8>? {
    guard i < rawEnds.count else { return nil }
    let start = i == 0 ? 0 : rawEnds[i - 1]
    return raw[start..<rawEnds[i]]
  }
}
