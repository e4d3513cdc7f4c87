/// Applies `--on-error` to bad lines and bad rows (SPEC 9) and writes `--late-output`.
final class BadInput {
  let policy: RunOptions.OnError
  private let deadLetters: OutputSink?
  private let lateOutput: OutputSink?
  /// Warnings for the first few bad lines, printed at exit so a user sees why rows went missing.
  private(set) var samples: [String] = []

  /// `append`: resuming from a checkpoint, which cut the files back to its lengths.
  init(options: RunOptions, append: Bool = false) throws(RunError) {
    policy = options.onError
    if case .deadLetter(let path) = options.onError {
      deadLetters = try OutputSink(path: path, append: append)
    } else {
      deadLetters = nil
    }
    lateOutput = try options.lateOutputPath.map { (p) throws(RunError) in
      try OutputSink(path: p, append: append)
    }
  }

  /// The dead-letter and late-output files, flushed and measured by each checkpoint.
  var outputs: [OutputSink] { [deadLetters, lateOutput].compactMap { $0 } }

  var keepsRawLines: Bool { deadLetters != nil || lateOutput != nil }

  /// A bad line or row: counted by the caller; here failed, dead-lettered or skipped.
  func report(input: String, line: Int, message: String, raw: ArraySlice<UInt8>?) throws(RunError) {
    if samples.count < 3 { samples.append("\(input):\(line): \(message)") }
    switch policy {
    case .skip: break
    case .fail: throw RunError("\(input):\(line): \(message)")
    case .deadLetter:
      if let raw, let deadLetters {
        deadLetters.buffer.append(contentsOf: raw)
        deadLetters.buffer.append(UInt8(ascii: "\n"))
        try deadLetters.flushIfFull()
      }
    }
  }

  /// Rows quarantined by `--max-future`, each line counted once however many queries saw it.
  private(set) var futureRows = 0
  /// The piece whose quarantined rows are in `quarantinedRows` (pieces are applied one at a time).
  private var quarantineJob: ScanJob?
  private var quarantinedRows: Set<Int32> = []

  /// A row of `job` dated too far ahead (`--max-future`): counted once per line, and written to
  /// the dead-letter file when there is one. Not a bad row: `--on-error fail` does not stop.
  func quarantine(job: ScanJob, row: Int32) throws(RunError) {
    if quarantineJob !== job {
      quarantineJob = job
      quarantinedRows.removeAll(keepingCapacity: true)
    }
    guard quarantinedRows.insert(row).inserted else { return }
    futureRows += 1
    if let deadLetters, let raw = job.rawLine(Int(row)) {
      deadLetters.buffer.append(contentsOf: raw)
      deadLetters.buffer.append(UInt8(ascii: "\n"))
      try deadLetters.flushIfFull()
    }
  }

  func late(raw: ArraySlice<UInt8>?) throws(RunError) {
    guard let lateOutput, let raw else { return }
    lateOutput.buffer.append(contentsOf: raw)
    lateOutput.buffer.append(UInt8(ascii: "\n"))
    try lateOutput.flushIfFull()
  }

  func close() throws(RunError) {
    try deadLetters?.close()
    try lateOutput?.close()
  }
}
