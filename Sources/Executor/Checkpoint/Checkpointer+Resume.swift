import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Resuming a run from its checkpoint: outputs cut back before they are opened, then every
/// input put back where the checkpoint left it (sought, read past, or, for a stream that cannot
/// be read again, only its line count), and every query's state restored.
extension Checkpointer {
  /// Cuts every output file recorded in the checkpoint back to its recorded length, before the
  /// runner opens them (for appending) again.
  static func cutOutputs(_ settings: CheckpointSettings) throws(RunError) {
    guard let resume = settings.resume else { return }
    for sink in resume.sinks {
      if sink.path == Checkpoint.standardOutputName {
        try cutStandardOutput(to: sink.length, settings)
        continue
      }
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

  /// stdout was a regular file when the checkpoint was taken: it must still be one, at least
  /// as long as recorded (a shell's `>` empties it; `>>` keeps it), and is cut back.
  private static func cutStandardOutput(to length: Int64, _ settings: CheckpointSettings)
    throws(RunError)
  {
    let from = "cannot resume from the checkpoint in '\(settings.directory)'"
    var info = stat()
    guard fstat(1, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      throw RunError(
        "\(from): stdout was redirected to a file when it was taken and is not one now; redirect it to the same file with >>, or --reset-checkpoint starts over"
      )
    }
    guard Int64(info.st_size) >= length else {
      throw RunError(
        "\(from): stdout is shorter (\(info.st_size) bytes) than when the checkpoint was taken (\(length) bytes); redirect with >> (a shell's > empties the file) or use -o FILE, or --reset-checkpoint starts over"
      )
    }
    guard ftruncate(1, off_t(length)) == 0, lseek(1, 0, SEEK_END) >= 0 else {
      throw RunError("cannot cut stdout back to its checkpointed length: \(POSIX.errorText)")
    }
  }



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
    var streamedNames: [String] = []
    for (s, source) in sources.enumerated() {
      for (i, identity) in identities[s].enumerated() {
        let saved = resume.inputs[k]
        k += 1
        /// A checkpoint of another kind of input in this place is another run.
        func expect(streamed: Bool, _ name: String, _ kind: String) throws(RunError) {
          guard saved.streamed == streamed, saved.path == name else {
            throw RunError(
              "\(from): input \(k) was \(saved.describe), now it is '\(name)' (\(kind)); --reset-checkpoint starts over"
            )
          }
        }
        // Where the input's byte stream goes on; nil where there is none to cut into lines
        // again (a stream that starts afresh, Kafka records).
        var resumedAt: Int64?
        switch identity {
        case .streamed(let name):
          try expect(streamed: true, name, "a pipe or socket")
          // Nothing to seek: the state goes on with whatever arrives now.
          applied[s][i] = saved.offset
          streamedNames.append(name)
        case .file(let path, let device, let inode, let fd):
          try expect(streamed: false, path, "a file")
          try restoreFile(
            saved, path: path, device: device, inode: inode, fd: fd,
            input: source.inputs[i] as! InputFile, from: from)
          resumedAt = saved.offset
          ended[s][i] = saved.ended
        case .kafka(let partition):
          try Checkpointer.restoreKafka(saved, k, partition, from: from)
          ended[s][i] = saved.ended
        case .followed(let file):
          try expect(streamed: false, file.name, "a followed file")
          resumedAt = try file.resume(
            device: saved.device, inode: saved.inode, offset: saved.offset, hash: saved.tailHash)
        case .compressed(let path, let device, let inode, let signature):
          try expect(streamed: false, path, "a gzip file")
          guard saved.device == device, saved.inode == inode, saved.tailHash == signature else {
            throw RunError(
              "\(from): '\(path)' is not the same file as when the checkpoint was taken (replaced or changed); --reset-checkpoint starts over"
            )
          }
          guard try (source.inputs[i] as! InputFile).skip(saved.offset) else {
            throw RunError(
              "\(from): '\(path)' decompresses to fewer bytes than the \(saved.offset) already read; --reset-checkpoint starts over"
            )
          }
          resumedAt = saved.offset
          ended[s][i] = saved.ended
        }
        source.lineBase[i] = saved.lines
        if let at = resumedAt {
          source.consumedBytes[i] = at
          source.chunkers[i][0] = InputChunker(maxLineBytes: maxLineBytes, atStreamStart: at == 0)
          applied[s][i] = at
        }
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
    let stdoutIsOutputFile = sinkPaths.contains(Checkpoint.standardOutputName)
    for sink in sinks
    where sinkPaths.contains(sink.name) || (stdoutIsOutputFile && sink.name == "stdout") {
      sink.buffer.removeAll(keepingCapacity: true)
    }
    var note =
      "resuming from the checkpoint in '\(settings.directory)' taken at \(Timestamp.format(resume.takenAt)): \(resume.linesCovered) input lines already processed"
    if !streamedNames.isEmpty {
      note +=
        "; \(streamedNames.joined(separator: ", ")) cannot be read again, so lines that arrived after that checkpoint and before the restart were lost"
    }
    if printsToTerminalOrPipe {
      note += "; rows printed to stdout after that checkpoint may be printed again"
    }
    InputLog.say(note)
  }

  /// Checks that a file input is the one the checkpoint read, with the same bytes before its
  /// offset, and seeks it there.
  private func restoreFile(
    _ saved: Checkpoint.InputPosition, path: String, device: UInt64, inode: UInt64, fd: Int32,
    input file: InputFile, from: String
  ) throws(RunError) {
    guard saved.device == device && saved.inode == inode else {
      throw RunError(
        "\(from): '\(path)' is another file than when the checkpoint was taken (it was replaced); --reset-checkpoint starts over"
      )
    }
    var info = stat()
    guard fstat(fd, &info) == 0, Int64(info.st_size) >= saved.offset,
      Checkpoint.tailHash(fd: fd, offset: saved.offset) == saved.tailHash
    else {
      throw RunError(
        "\(from): '\(path)' was changed (truncated or rewritten) before the offset it was read to; --reset-checkpoint starts over"
      )
    }
    // An input read to its end is done: rows appended since would arrive after its end.
    guard !saved.ended || Int64(info.st_size) == saved.offset else {
      throw RunError(
        "\(from): '\(path)' grew after it was read to its end; --reset-checkpoint starts over")
    }
    guard lseek(file.fd, off_t(saved.offset), SEEK_SET) == off_t(saved.offset) else {
      throw RunError("cannot seek '\(path)' to \(saved.offset): \(POSIX.errorText)")
    }
    let grid = Int64(ScriptRunner.readBytes)
    if saved.offset % grid != 0 { file.nextReadLimit = Int(grid - saved.offset % grid) }
  }
}
