import Planner
import SQLParser

/// One source of the DAG: its inputs, cut into pieces of whole lines that are scanned once (on
/// worker threads) into the fields its queries need, then applied to each of those queries in
/// arrival order.
final class SourceReader {
  let plan: SourcePlan
  let inputs: [any Input]
  let spec: ScanSpec
  private(set) var queries: [QueryRunner] = []
  /// Line framing per byte stream of each input (a listener has one per connection).
  var chunkers: [[Int: InputChunker]]
  private let maxLineBytes: Int
  /// Lines of each input already applied, to number the lines of the next piece.
  var lineBase: [Int]
  /// Bytes read from each input (from its resumed offset), for checkpoint offsets.
  var consumedBytes: [Int64]
  private let badInput: BadInput
  /// Buffers the pieces of the inputs are read or copied into, reused.
  private let pool: PieceBufferPool
  /// The buffer the next read goes into (`readSpace`), `headroom` bytes in; nil until asked for
  /// and after a piece took it.
  private var readBuffer: PieceBufferPool.Buffer?
  /// Room before a read's bytes for the partial line carried over, so that it can be put in
  /// front of them without copying the read (`InputChunker.push(inPlace:)`).
  static let headroom = 64 << 10
  var stats = RunStats()
  /// Kinds of value seen per extracted field, for `--stats` type drift.
  lazy var drift = TypeDrift(fields: spec.fields)

  init(plan: SourcePlan, inputs: [any Input], badInput: BadInput, maxLineBytes: Int) {
    self.plan = plan
    self.inputs = inputs
    self.badInput = badInput
    self.maxLineBytes = maxLineBytes
    spec = ScanSpec(plan: plan, maxLineBytes: maxLineBytes, keepsRaw: badInput.keepsRawLines)
    chunkers = inputs.map { _ in [:] }
    lineBase = inputs.map { _ in 0 }
    consumedBytes = inputs.map { _ in 0 }
    pool = PieceBufferPool(usualCapacity: SourceReader.headroom + ScriptRunner.readBytes)
  }

  deinit {
    if let readBuffer { pool.giveBack(readBuffer) }
  }

  func attach(_ query: QueryRunner) {
    queries.append(query)
    spec.add(query.plan)
  }

  /// Some input is still open and some query still wants rows.
  var wantsInput: Bool { inputs.contains { !$0.finished } && queries.contains { !$0.isDone } }

  /// The pieces of whole lines that `bytes`, read from byte stream `stream` of input `index`,
  /// completes.
  func jobs(for bytes: UnsafeRawBufferPointer, from index: Int, stream: Int = 0) -> [ScanJob] {
    let pieces = chunkers[index][stream, default: InputChunker(maxLineBytes: maxLineBytes)].push(
      bytes, pool: pool)
    return jobs(pieces, count: bytes.count, from: index, stream: stream)
  }

  /// Where the next read of any of this source's inputs should put its bytes: a buffer that
  /// can become the piece itself (`jobs(read:from:stream:)`).
  func readSpace() -> UnsafeMutableRawBufferPointer {
    let buffer = readBuffer ?? pool.take(atLeast: SourceReader.headroom + ScriptRunner.readBytes)
    readBuffer = buffer
    return UnsafeMutableRawBufferPointer(
      start: buffer.start + SourceReader.headroom, count: ScriptRunner.readBytes)
  }

  /// The pieces of whole lines that the `count` bytes just read into `readSpace()`, from byte
  /// stream `stream` of input `index`, complete.
  func jobs(read count: Int, from index: Int, stream: Int = 0) -> [ScanJob] {
    guard let buffer = readBuffer else { preconditionFailure("a read without readSpace()") }
    let (jobs, usedBuffer) = jobs(
      inPlace: buffer, of: pool, count: count, from: index, stream: stream)
    if usedBuffer { readBuffer = nil }
    return jobs
  }

  /// The pieces of whole lines that `count` bytes read ahead into `buffer` of `pool`
  /// (`ReadAhead`, `headroom` bytes in) complete; the buffer is the caller's no more.
  func jobs(
    filled buffer: PieceBufferPool.Buffer, of pool: PieceBufferPool, count: Int, from index: Int
  ) -> [ScanJob] {
    let (jobs, usedBuffer) = jobs(inPlace: buffer, of: pool, count: count, from: index, stream: 0)
    if !usedBuffer { pool.giveBack(buffer) }
    return jobs
  }

  /// The jobs for `count` bytes read into `buffer` of `pool`, `headroom` bytes in, and whether
  /// a piece took the buffer (`InputChunker.push(inPlace:)`).
  private func jobs(
    inPlace buffer: PieceBufferPool.Buffer, of pool: PieceBufferPool, count: Int, from index: Int,
    stream: Int
  ) -> ([ScanJob], usedBuffer: Bool) {
    let bytes = UnsafeRawBufferPointer(start: buffer.start + SourceReader.headroom, count: count)
    let (pieces, usedBuffer) = chunkers[index][
      stream, default: InputChunker(maxLineBytes: maxLineBytes)
    ].push(inPlace: bytes, of: buffer, headroom: SourceReader.headroom, pool: pool)
    return (jobs(pieces, count: count, from: index, stream: stream), usedBuffer)
  }

  /// Jobs for the pieces that `count` new bytes of a stream completed.
  private func jobs(_ pieces: [InputChunker.Piece], count: Int, from index: Int, stream: Int)
    -> [ScanJob]
  {
    stats.bytes += count
    consumedBytes[index] += Int64(count)
    let jobs = pieces.map { job($0, index) }
    // The last piece of a read ends where the carried partial line begins.
    if let last = jobs.last, case .lines = last.kind, let chunker = chunkers[index][stream] {
      last.endOffset = consumedBytes[index] - Int64(chunker.carriedBytes)
    }
    return jobs
  }

  /// Byte stream `stream` of input `index` ended, the input goes on: its last line, if
  /// unterminated, is a line (`tornIsBad` false: a file's last line) or one bad line (a
  /// connection that closed mid-line).
  func streamEndJobs(from index: Int, stream: Int, tornIsBad: Bool) -> [ScanJob] {
    guard var chunker = chunkers[index].removeValue(forKey: stream) else { return [] }
    return chunker.finish().compactMap { piece in
      guard tornIsBad, case .lines(let bytes) = piece else { return job(piece, index) }
      if bytes.isBlank { return nil }
      return ScanJob(
        spec: spec, input: index, kind: .bad("connection closed mid-line (\(bytes.count) bytes)"))
    }
  }

  /// Input `index` ended: the last line of each of its streams, if unterminated, then the end
  /// marker.
  func endJobs(from index: Int) -> [ScanJob] {
    var jobs: [ScanJob] = []
    for stream in chunkers[index].keys.sorted() {
      jobs += streamEndJobs(
        from: index, stream: stream, tornIsBad: !(inputs[index] is InputFile))
    }
    return jobs + [ScanJob(spec: spec, input: index, kind: .end)]
  }

  private func job(_ piece: InputChunker.Piece, _ index: Int) -> ScanJob {
    switch piece {
    case .lines(let bytes): return ScanJob(spec: spec, input: index, kind: .lines(bytes))
    case .overLong(let n): return ScanJob(spec: spec, input: index, kind: .overLong(n))
    }
  }

  /// Applies a scanned piece: bad lines and rows are reported once each, in line order, and
  /// rows go to every query in arrival order. Under `--on-error fail`, the rows before the first
  /// bad line are applied, then the run stops naming it.
  func apply(_ job: ScanJob) throws(RunError) {
    let index = job.input
    if case .end = job.kind {
      for q in queries { try q.inputEnded(index) }
      return
    }
    let name = inputs[index].name
    let base = lineBase[index]
    stats.lines += job.lineCount
    drift.timesReadAsText = spec.timeSlots
    if let counted = job.drift { drift.add(counted) }
    if badInput.policy == .fail, let first = badReports(job, finishedAt: [:]).first {
      for (k, q) in queries.enumerated() where k < job.prepared.count {
        try q.apply(job.prepared[k], from: job, before: first.line)
      }
      try badInput.report(
        input: name, line: base + Int(first.line), message: first.message, raw: first.raw)
    }
    // Queries first, so that a query that reaches its LIMIT in this piece does not report the
    // bad rows after that point: what is counted must not depend on how input was split.
    var finishedAt: [Int: Int32] = [:]
    for (k, q) in queries.enumerated() where k < job.prepared.count {
      if let row = try q.apply(job.prepared[k], from: job) { finishedAt[k] = row }
    }
    for report in badReports(job, finishedAt: finishedAt) {
      if report.isRow { stats.badRows += 1 } else { stats.badLines += 1 }
      try badInput.report(
        input: name, line: base + Int(report.line), message: report.message, raw: report.raw)
    }
    lineBase[index] = base + job.lineCount
    job.releaseRows()
  }

  /// The piece's bad lines (not JSON, too long, ...) and bad rows (no event time, failed CAST)
  /// by line number, each line once however many queries found it bad.
  /// `finishedAt[k]` is the row at which query k stopped (-1: before the piece); its errors
  /// from later rows are not reported.
  private func badReports(_ job: ScanJob, finishedAt: [Int: Int32]) -> [(
    line: Int32, message: String, raw: ArraySlice<UInt8>?, isRow: Bool
  )] {
    var reports = job.badLines.map {
      (line: $0.line, message: $0.message, raw: $0.raw.map { ArraySlice($0) }, isRow: false)
    }
    var seen = Set<Int32>()
    for (k, prepared) in job.prepared.enumerated() where k < queries.count {
      let limit = finishedAt[k] ?? (queries[k].isDone ? -1 : Int32.max)
      for e in prepared.errors where e.row < limit {
        let line = job.rowLines[Int(e.row)]
        if seen.insert(line).inserted {
          reports.append((line, e.message, job.rawLine(Int(e.row)), true))
        }
      }
    }
    if reports.count > 1 { reports.sort { $0.line < $1.line } }
    return reports
  }
}
