import Planner
import SQLParser

/// One source of the DAG: its inputs, read in turn, scanned once into the fields its queries
/// need, and handed to each of those queries as a batch.
final class SourceReader {
  let plan: SourcePlan
  let inputs: [InputFile]
  private(set) var queries: [QueryRunner] = []
  private let extractor: FieldExtractor
  private let badInput: BadInput
  /// Declared columns to coerce: slot and type.
  private let coercions: [(slot: Int, type: TypeName, name: String)]
  private var batch: SourceBatch
  private let keepRaw: Bool
  var stats = RunStats()

  init(plan: SourcePlan, inputs: [InputFile], badInput: BadInput) {
    self.plan = plan
    self.inputs = inputs
    self.badInput = badInput
    extractor = FieldExtractor(paths: plan.fields)
    var coercions: [(Int, TypeName, String)] = []
    for (slot, path) in plan.fields.enumerated() {
      if path.count == 1, case .key(let name) = path[0], let type = plan.declaredTypes[name] {
        coercions.append((slot, type, name))
      }
    }
    self.coercions = coercions
    batch = SourceBatch(width: plan.fields.count)
    keepRaw = badInput.keepsRawLines
  }

  func attach(_ query: QueryRunner) { queries.append(query) }

  var isActive: Bool { inputs.contains { !$0.finished } && queries.contains { !$0.isDone } }

  /// Scans a chunk read from input `index` and runs the queries over the complete lines in it.
  func consume(_ chunk: UnsafeRawBufferPointer, from index: Int) throws(RunError) {
    begin(index)
    let input = inputs[index]
    var failure: RunError?
    input.lines.feed(chunk) { line, number in
      if failure == nil {
        do throws(RunError) { try scan(line, number, input) } catch { failure = error }
      }
    }
    if let failure { throw failure }
    stats.bytes += chunk.count
    try dispatch()
  }

  /// End of input `index`: its last line, then the queries stop waiting for it.
  func end(_ index: Int) throws(RunError) {
    begin(index)
    let input = inputs[index]
    var failure: RunError?
    input.lines.finish { line, number in
      if failure == nil {
        do throws(RunError) { try scan(line, number, input) } catch { failure = error }
      }
    }
    if let failure { throw failure }
    try dispatch()
    input.close()
    for q in queries { try q.inputEnded(index) }
  }

  private func begin(_ index: Int) {
    batch.removeAll()
    batch.input = index
    batch.arrivalMillis = Clock.wallMillis()
    batch.arrivalMicros = Clock.monotonicMicros()
  }

  private func scan(_ line: LineReader.Line, _ number: Int, _ input: InputFile) throws(RunError) {
    stats.lines += 1
    switch line {
    case .overLong(let length):
      stats.badLines += 1
      try badInput.report(input: input.name, line: number, message: "line of \(length) bytes is longer than --max-line-bytes", raw: nil)
    case .line(let bytes):
      if bytes.isEmpty || bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
      let width = batch.width
      let base = batch.values.count
      for _ in 0..<width { batch.values.append(.null) }
      var error = batch.values.withUnsafeMutableBufferPointer { buffer in
        extractor.extract(bytes, into: buffer.baseAddress! + base)
      }
      if error == nil {
        for c in coercions {
          let v = batch.values[base + c.slot]
          guard !v.isNull else { continue }
          guard let converted = ValueOps.cast(v, to: c.type) else {
            error = ScanError(message: "column '\(c.name)' holds \(v), not \(c.type.rawValue)", offset: 0)
            break
          }
          batch.values[base + c.slot] = converted
        }
      }
      if let error {
        batch.values.removeLast(width)
        stats.badLines += 1
        try badInput.report(input: input.name, line: number, message: error.message, raw: keepRaw ? ArraySlice(bytes) : nil)
        return
      }
      batch.lineNumbers.append(number)
      if keepRaw {
        batch.raw.append(contentsOf: bytes)
        batch.rawEnds.append(batch.raw.count)
      }
    }
  }

  private func dispatch() throws(RunError) {
    guard batch.count > 0 else { return }
    let name = inputs[batch.input].name
    for q in queries where !q.isDone { try q.process(batch, inputName: name) }
  }
}
