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
///
/// Inputs that cannot be read again (stdin from a pipe or terminal, sockets) are *streamed*:
/// their state is restored but nothing is sought, so lines that arrived after the last
/// checkpoint and before a crash are lost. stdout redirected to a regular file counts as an
/// output file; stdout on a pipe or terminal cannot be taken back, so rows printed after the
/// last checkpoint may come out again after a restart.
final class Checkpointer {
  /// How an input is tied to its position in a checkpoint.
  enum Identity {
    /// A regular file (stdin redirected from one included): path, device and inode at open,
    /// and a descriptor of our own for hashing the bytes before an offset.
    case file(path: String, device: UInt64, inode: UInt64, fd: Int32)
    /// A pipe, terminal or socket: only the state before it is kept.
    case streamed(name: String)
    /// A partition of a Kafka topic: its offset is kept, and read from again on resume
    /// (Checkpointer+Kafka.swift).
    case kafka(KafkaPartitionInput)
    /// A file read with `--follow`: it knows which file (inode) an applied offset falls in.
    case followed(FollowedFile)
    /// A gzip file: offsets count decompressed bytes, which a resume reads past; the file is
    /// recognised by device, inode, size and modification time.
    case compressed(path: String, device: UInt64, inode: UInt64, signature: UInt64)
  }

  /// Size and modification time of a gzip file, folded into one number.
  private static func signature(_ info: stat) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in [UInt64(info.st_size), UInt64(info.st_mtim.tv_sec), UInt64(info.st_mtim.tv_nsec)] {
      hash = (hash ^ v) &* 0x100_0000_01b3
    }
    return hash
  }

  let settings: CheckpointSettings
  /// Output files of the run, by path (`-o` and INSERT INTO files), and
  /// `Checkpoint.standardOutputName` when stdout is a regular file.
  let sinkPaths: [String]
  /// Some query prints to stdout, which is a pipe or terminal: rows cannot be taken back.
  let printsToTerminalOrPipe: Bool
  private var lastMillis = Clock.monotonicMillis()
  let maxLineBytes: Int
  // Internal, not private: Checkpointer+Resume.swift restores them.
  /// Per source and input: the offset just past the last applied piece, nil when unknown.
  var applied: [[Int64?]]
  var ended: [[Bool]]
  /// Per source and input: how it is tied to its position (the input's own descriptor may be
  /// closed at its end, so a file keeps one of its own).
  var identities: [[Identity]] = []
  private(set) var taken = 0
  /// The checkpoints' lineage (kept from the checkpoint resumed from) and the sequence number
  /// of the last one written (`Checkpoint.lineage`, `Checkpoint.sequence`).
  let lineage: UInt64
  private(set) var sequence: Int64
  /// Pieces were applied since the last checkpoint.
  private var dirty = false

  init(settings: CheckpointSettings, plan: ScriptPlan, options: RunOptions, sources: [SourceReader])
    throws(RunError)
  {
    self.settings = settings
    maxLineBytes = options.maxLineBytes
    let resumed = settings.resume.map(\.lineage) ?? 0
    lineage = resumed != 0 ? resumed : UInt64.random(in: 1...UInt64.max)
    sequence = settings.resume?.sequence ?? 0
    var paths: [String] = []
    if let p = options.outputPath { paths.append(p) }
    for q in plan.queries {
      if case .file(let p) = q.sink, !paths.contains(p) { paths.append(p) }
    }
    if case .deadLetter(let p) = options.onError { paths.append(p) }
    if let p = options.lateOutputPath { paths.append(p) }
    let printsToStdout =
      options.outputPath == nil
      && plan.queries.contains { if case .standardOutput = $0.sink { true } else { false } }
    var out = stat()
    let stdoutIsFile = fstat(1, &out) == 0 && (out.st_mode & S_IFMT) == S_IFREG
    if printsToStdout && stdoutIsFile { paths.append(Checkpoint.standardOutputName) }
    printsToTerminalOrPipe = printsToStdout && !stdoutIsFile
    sinkPaths = paths
    applied = sources.map { $0.inputs.map { _ in 0 } }
    ended = sources.map { $0.inputs.map { _ in false } }
    for source in sources {
      var ids: [Identity] = []
      for input in source.inputs {
        if let partition = input as? KafkaPartitionInput {
          ids.append(.kafka(partition))
          continue
        }
        if let followed = input as? FollowedFile {
          ids.append(.followed(followed))
          continue
        }
        guard let file = input as? InputFile else {
          guard input is TCPClientInput || input is SocketListener else {
            throw RunError("--checkpoint cannot save the position of \(input.name)")
          }
          ids.append(.streamed(name: input.name))
          continue
        }
        var info = stat()
        if file.isCompressed {
          guard stat(file.name, &info) == 0 else {
            throw RunError("cannot stat '\(file.name)': \(POSIX.errorText)")
          }
          ids.append(
            .compressed(
              path: file.name, device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
              signature: Checkpointer.signature(info)))
          continue
        }
        guard fstat(file.fd, &info) == 0 else {
          throw RunError("cannot stat '\(file.name)': \(POSIX.errorText)")
        }
        if (info.st_mode & S_IFMT) == S_IFREG {
          ids.append(
            .file(
              path: file.name, device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
              fd: dup(file.fd)))
        } else {
          ids.append(.streamed(name: file.name))
        }
      }
      identities.append(ids)
    }
  }

  private func isStreamed(_ s: Int, _ i: Int) -> Bool {
    if case .streamed = identities[s][i] { return true }
    return false
  }

  // MARK: Taking checkpoints

  /// Records where `job`'s input now stands.
  func pieceApplied(_ job: ScanJob, source: SourceReader, index s: Int) {
    dirty = true
    let i = job.input
    if isStreamed(s, i) {
      // The state after any applied piece is a consistent point; the offset is for the record.
      if case .end = job.kind { ended[s][i] = true }
      if job.endOffset >= 0 { applied[s][i] = job.endOffset }
      return
    }
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
      for (i, identity) in identities[s].enumerated() {
        let offset = applied[s][i]!
        switch identity {
        case .file(let path, let device, let inode, let fd):
          inputs.append(
            Checkpoint.InputPosition(
              path: path, device: device, inode: inode, offset: offset,
              tailHash: Checkpoint.tailHash(fd: fd, offset: offset), ended: ended[s][i],
              lines: source.lineBase[i], streamed: false))
        case .streamed(let name):
          inputs.append(
            Checkpoint.InputPosition(
              path: name, device: 0, inode: 0, offset: offset, tailHash: 0, ended: ended[s][i],
              lines: source.lineBase[i], streamed: true))
        case .kafka(let partition):
          inputs.append(
            partition.checkpointPosition(ended: ended[s][i], lines: source.lineBase[i]))
        case .followed(let file):
          // Applied bytes still ending in a file rotated away: wait until they catch up.
          guard let at = file.position(applied: offset) else { return }
          inputs.append(
            Checkpoint.InputPosition(
              path: file.name, device: at.device, inode: at.inode, offset: at.offset,
              tailHash: at.hash, ended: false, lines: source.lineBase[i], streamed: false))
        case .compressed(let path, let device, let inode, let signature):
          inputs.append(
            Checkpoint.InputPosition(
              path: path, device: device, inode: inode, offset: offset, tailHash: signature,
              ended: ended[s][i], lines: source.lineBase[i], streamed: false))
        }
      }
    }
    var outputs: [Checkpoint.SinkPosition] = []
    for path in sinkPaths {
      if path == Checkpoint.standardOutputName {
        var info = stat()
        guard fstat(1, &info) == 0, fsync(1) == 0 else {
          throw RunError("cannot checkpoint stdout: \(POSIX.errorText)")
        }
        outputs.append(Checkpoint.SinkPosition(path: path, length: Int64(info.st_size)))
        continue
      }
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
    var checkpoint = Checkpoint(
      fingerprint: settings.fingerprint, takenAtMillis: Clock.wallMillis(), inputs: inputs,
      sinks: outputs,
      sourceStats: sources.enumerated().map { s, source in
        // Bytes read ahead of the ordered stage are not covered: count what was applied.
        [
          source.stats.lines, Int(applied[s].reduce(0) { $0 + $1! }), source.stats.badLines,
          source.stats.badRows,
        ]
      }, queries: queries)
    checkpoint.lineage = lineage
    checkpoint.sequence = sequence + 1
    // Its Kafka transaction carries its mark; the one before is kept until that commits.
    let producers = Checkpointer.transactionalProducers(sinks)
    for producer in producers {
      try producer.mark(lineage: lineage, sequence: checkpoint.sequence)
    }
    CrashPoint.counting = producers.contains { $0.pending > 0 }
    CrashPoint.reach(.beforeCheckpoint)
    do throws(CheckpointError) {
      try checkpoint.write(to: settings.directory, keepingPrevious: !producers.isEmpty)
    } catch {
      throw RunError(error.message)
    }
    CrashPoint.reach(.checkpointWritten)
    sequence = checkpoint.sequence
    taken += 1
    dirty = false
    try checkpointWritten(inputs, sinks: sinks)
    lastMillis = Clock.monotonicMillis()
  }

  /// While input is quiet: milliseconds until a checkpoint of what was applied is due, nil
  /// when everything applied is already in one (nothing to wait for).
  func millisUntilDue() -> Int32? {
    guard dirty, applied.allSatisfy({ $0.allSatisfy { $0 != nil } }) else { return nil }
    let left = settings.intervalMillis - (Clock.monotonicMillis() - lastMillis)
    return Int32(clamping: max(0, left))
  }
}
