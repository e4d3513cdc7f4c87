import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Takes `--checkpoint`s during a run and resumes a run from one.
///
/// The runner calls `pieceApplied` after each piece of input is applied in order, then
/// `checkpointIfDue`: a checkpoint is taken when the interval has passed and every input's
/// last applied piece ended on a known byte (a piece of whole lines that ended a read), so it
/// reflects exactly the rows before its offsets. Every output is flushed first, so the recorded
/// output lengths hold exactly the rows those inputs produced; on restart the outputs are cut
/// back to them and the inputs sought to the offsets, and the same rows come out again.
final class Checkpointer {
  let settings: CheckpointSettings
  /// Output files of the run, by path (`-o` and INSERT INTO files).
  private let sinkPaths: [String]
  private var lastMillis = Clock.monotonicMillis()
  /// Per source and input: the offset just past the last applied piece, nil when unknown.
  private var applied: [[Int64?]]
  private var ended: [[Bool]]
  /// Per source and input: path, device and inode at open, and a descriptor of our own for
  /// hashing the bytes before an offset (the input's may be closed at its end).
  private var identities: [[(path: String, device: UInt64, inode: UInt64, fd: Int32)]] = []
  private(set) var taken = 0

  /// Cuts every output file recorded in the checkpoint back to its recorded length, before the
  /// runner opens them (for appending) again.
  static func cutOutputs(_ settings: CheckpointSettings) throws(RunError) {
    guard let resume = settings.resume else { return }
    for sink in resume.sinks {
      var info = stat()
      guard stat(sink.path, &info) == 0 else {
        throw RunError(
          "cannot resume from the checkpoint in '\(settings.directory)': output '\(sink.path)' is gone; --reset-checkpoint starts over"
        )
      }
      guard Int64(info.st_size) >= sink.length else {
        throw RunError(
          "cannot resume from the checkpoint in '\(settings.directory)': output '\(sink.path)' is shorter (\(info.st_size) bytes) than when the checkpoint was taken (\(sink.length) bytes); --reset-checkpoint starts over"
        )
      }
      guard truncate(sink.path, off_t(sink.length)) == 0 else {
        throw RunError(
          "cannot cut '\(sink.path)' back to its checkpointed length: \(POSIX.errorText)")
      }
    }
  }

  init(settings: CheckpointSettings, plan: ScriptPlan, options: RunOptions, sources: [SourceReader])
    throws(RunError)
  {
    self.settings = settings
    var paths: [String] = []
    if let p = options.outputPath { paths.append(p) }
    for q in plan.queries {
      if case .file(let p) = q.sink, !paths.contains(p) { paths.append(p) }
    }
    sinkPaths = paths
    applied = sources.map { $0.inputs.map { _ in 0 } }
    ended = sources.map { $0.inputs.map { _ in false } }
    for source in sources {
      var ids: [(String, UInt64, UInt64, Int32)] = []
      for input in source.inputs {
        guard let file = input as? InputFile else {
          throw RunError("--checkpoint supports file inputs only; \(input.name) is not one")
        }
        var info = stat()
        guard fstat(file.fd, &info) == 0 else {
          throw RunError("cannot stat '\(file.name)': \(POSIX.errorText)")
        }
        ids.append((file.name, UInt64(info.st_dev), UInt64(info.st_ino), dup(file.fd)))
      }
      identities.append(ids)
    }
  }

  // MARK: Resuming

  /// Seeks every input to its checkpointed offset and restores every query's state, after
  /// checking that each input is still the same file with the same bytes before the offset.
  func restore(sources: [SourceReader], runners: [QueryRunner], sinks: [OutputSink])
    throws(RunError)
  {
    guard let resume = settings.resume else { return }
    let from = "cannot resume from the checkpoint in '\(settings.directory)'"
    let count = identities.reduce(0) { $0 + $1.count }
    guard resume.inputs.count == count else {
      throw RunError(
        "\(from): it was taken over \(resume.inputs.count) input files, this run reads \(count); --reset-checkpoint starts over"
      )
    }
    guard resume.queries.count == runners.count, resume.sourceStats.count == sources.count else {
      throw RunError(
        "\(from): it holds another number of queries or sources; --reset-checkpoint starts over")
    }
    var k = 0
    for (s, source) in sources.enumerated() {
      for (i, id) in identities[s].enumerated() {
        let saved = resume.inputs[k]
        k += 1
        guard saved.path == id.path else {
          throw RunError(
            "\(from): input \(k) was '\(saved.path)', now it is '\(id.path)'; --reset-checkpoint starts over"
          )
        }
        guard saved.device == id.device && saved.inode == id.inode else {
          throw RunError(
            "\(from): '\(id.path)' is another file than when the checkpoint was taken (it was replaced); --reset-checkpoint starts over"
          )
        }
        var info = stat()
        guard fstat(id.fd, &info) == 0, Int64(info.st_size) >= saved.offset,
          Checkpoint.tailHash(fd: id.fd, offset: saved.offset) == saved.tailHash
        else {
          throw RunError(
            "\(from): '\(id.path)' was changed (truncated or rewritten) before the offset it was read to; --reset-checkpoint starts over"
          )
        }
        // An input read to its end is done: rows appended since would arrive after its end.
        guard !saved.ended || Int64(info.st_size) == saved.offset else {
          throw RunError(
            "\(from): '\(id.path)' grew after it was read to its end; --reset-checkpoint starts over"
          )
        }
        let file = source.inputs[i] as! InputFile
        guard lseek(file.fd, off_t(saved.offset), SEEK_SET) == off_t(saved.offset) else {
          throw RunError("cannot seek '\(id.path)' to \(saved.offset): \(POSIX.errorText)")
        }
        let grid = Int64(ScriptRunner.readBytes)
        if saved.offset % grid != 0 { file.nextReadLimit = Int(grid - saved.offset % grid) }
        source.consumedBytes[i] = saved.offset
        source.lineBase[i] = saved.lines
        source.chunkers[i][0] = InputChunker(
          maxLineBytes: file.lines.maxLineBytes, atStreamStart: saved.offset == 0)
        applied[s][i] = saved.offset
        ended[s][i] = saved.ended
      }
      let st = resume.sourceStats[s]
      if st.count == 4 {
        (source.stats.lines, source.stats.bytes, source.stats.badLines, source.stats.badRows) = (
          st[0], st[1], st[2], st[3]
        )
      }
    }
    for (q, runner) in runners.enumerated() {
      var reader = CheckpointReader(resume.queries[q])
      do throws(CheckpointError) {
        try runner.restore(from: &reader)
      } catch {
        throw RunError("\(from): \(error.message); --reset-checkpoint starts over")
      }
    }
    // Headers (CSV, TSV) written when the outputs were opened are already in the files.
    for sink in sinks where sinkPaths.contains(sink.name) {
      sink.buffer.removeAll(keepingCapacity: true)
    }
    InputLog.say(
      "resuming from the checkpoint in '\(settings.directory)': \(resume.linesCovered) input lines already processed"
    )
  }

  // MARK: Taking checkpoints

  /// Records where `job`'s input now stands.
  func pieceApplied(_ job: ScanJob, source: SourceReader, index s: Int) {
    let i = job.input
    switch job.kind {
    case .lines: applied[s][i] = job.endOffset >= 0 ? job.endOffset : nil
    case .overLong, .bad: applied[s][i] = nil
    case .end:
      ended[s][i] = true
      applied[s][i] = source.consumedBytes[i]
    }
  }

  /// Takes a checkpoint if the interval has passed (or `force`) and every position is known.
  func checkpointIfDue(
    sources: [SourceReader], runners: [QueryRunner], sinks: [OutputSink], force: Bool = false
  ) throws(RunError) {
    let now = Clock.monotonicMillis()
    guard force || now - lastMillis >= settings.intervalMillis else { return }
    guard applied.allSatisfy({ $0.allSatisfy { $0 != nil } }) else { return }
    for sink in sinks { try sink.flush() }
    var inputs: [Checkpoint.InputPosition] = []
    for (s, source) in sources.enumerated() {
      for (i, id) in identities[s].enumerated() {
        let offset = applied[s][i]!
        inputs.append(
          Checkpoint.InputPosition(
            path: id.path, device: id.device, inode: id.inode, offset: offset,
            tailHash: Checkpoint.tailHash(fd: id.fd, offset: offset), ended: ended[s][i],
            lines: source.lineBase[i]))
      }
    }
    var outputs: [Checkpoint.SinkPosition] = []
    for path in sinkPaths {
      let fd = open(path, O_RDONLY)
      guard fd >= 0 else {
        throw RunError("cannot checkpoint output '\(path)': \(POSIX.errorText)")
      }
      var info = stat()
      let ok = fstat(fd, &info) == 0 && fsync(fd) == 0
      POSIX.close(fd)
      guard ok else { throw RunError("cannot checkpoint output '\(path)': \(POSIX.errorText)") }
      outputs.append(Checkpoint.SinkPosition(path: path, length: Int64(info.st_size)))
    }
    let queries = runners.map { runner in
      var w = CheckpointWriter()
      runner.save(into: &w)
      return w.bytes
    }
    let checkpoint = Checkpoint(
      fingerprint: settings.fingerprint, takenAtMillis: Clock.wallMillis(), inputs: inputs,
      sinks: outputs,
      sourceStats: sources.enumerated().map { s, source in
        // Bytes read ahead of the ordered stage are not covered: count what was applied.
        [
          source.stats.lines, Int(applied[s].reduce(0) { $0 + $1! }), source.stats.badLines,
          source.stats.badRows,
        ]
      }, queries: queries)
    do throws(CheckpointError) {
      try checkpoint.write(to: settings.directory)
    } catch {
      throw RunError(error.message)
    }
    taken += 1
    lastMillis = Clock.monotonicMillis()
  }
}
