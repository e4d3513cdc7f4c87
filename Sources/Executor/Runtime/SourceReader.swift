import Planner
import SQLParser

/// One source of the DAG: its inputs, cut into pieces of whole lines that are scanned once (on
/// worker threads) into the fields its queries need, then applied to each of those queries in
/// arrival order.
final class SourceReader {
  let plan: SourcePlan
  let inputs: [InputFile]
  let spec: ScanSpec
  private(set) var queries: [QueryRunner] = []
  private var chunkers: [InputChunker]
  /// Lines of each input already applied, to number the lines of the next piece.
  private var lineBase: [Int]
  private let badInput: BadInput
  var stats = RunStats()

  init(plan: SourcePlan, inputs: [InputFile], badInput: BadInput, maxLineBytes: Int) {
    self.plan = plan
    self.inputs = inputs
    self.badInput = badInput
    spec = ScanSpec(plan: plan, maxLineBytes: maxLineBytes, keepsRaw: badInput.keepsRawLines)
    chunkers = inputs.map { _ in InputChunker(maxLineBytes: maxLineBytes) }
    lineBase = inputs.map { _ in 0 }
  }

  func attach(_ query: QueryRunner) {
    queries.append(query)
    spec.add(query.plan)
  }

  /// Some input is still open and some query still wants rows.
  var wantsInput: Bool { inputs.contains { !$0.finished } && queries.contains { !$0.isDone } }

  /// The pieces of whole lines that `bytes`, read from input `index`, completes.
  func jobs(for bytes: UnsafeRawBufferPointer, from index: Int) -> [ScanJob] {
    stats.bytes += bytes.count
    return chunkers[index].push(bytes).map { job($0, index) }
  }

  /// Input `index` ended: its last line, if unterminated, then the end marker.
  func endJobs(from index: Int) -> [ScanJob] {
    chunkers[index].finish().map { job($0, index) } + [ScanJob(spec: spec, input: index, kind: .end)]
  }

  private func job(_ piece: InputChunker.Piece, _ index: Int) -> ScanJob {
    switch piece {
    case .lines(let bytes): return ScanJob(spec: spec, input: index, kind: .lines(bytes))
    case .overLong(let n): return ScanJob(spec: spec, input: index, kind: .overLong(n))
    }
  }

  /// Applies a scanned piece: bad lines are reported, rows go to every query, in order.
  func apply(_ job: ScanJob) throws(RunError) {
    let index = job.input
    if case .end = job.kind {
      for q in queries { try q.inputEnded(index) }
      return
    }
    let name = inputs[index].name
    let base = lineBase[index]
    stats.lines += job.lineCount
    stats.badLines += job.badLines.count
    for bad in job.badLines {
      try badInput.report(input: name, line: base + Int(bad.line), message: bad.message, raw: bad.raw.map { ArraySlice($0) })
    }
    for (k, q) in queries.enumerated() where !q.isDone && k < job.prepared.count {
      try q.apply(job.prepared[k], from: job, lineBase: base, inputName: name)
    }
    lineBase[index] = base + job.lineCount
  }
}
