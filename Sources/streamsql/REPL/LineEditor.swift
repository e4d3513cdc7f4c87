@preconcurrency import CReadline
import Executor

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// GNU readline through its callback interface: line editing, history kept in a file, tab
/// completion, and Ctrl-C that clears the line instead of ending the process.
///
/// The callback interface (rather than `readline()`) lets the REPL wait in `poll` itself, so the
/// engine's SIGINT handler (`Signals`) stays installed the whole session: at the prompt an
/// interrupted `poll` means "clear the line"; while a query runs it means "cancel the query".
/// readline is told not to catch signals. Every `rl_*` call happens on the REPL's thread.
final class LineEditor {
  /// What one `read(prompt:)` produced.
  enum Input: Equatable {
    case line(String)
    /// Ctrl-C: the line was cleared.
    case interrupt
    /// Ctrl-D on an empty line.
    case endOfFile
  }

  nonisolated(unsafe) private static var received: Input?
  let historyPath: String

  init(historyPath: String) {
    self.historyPath = historyPath
    rl_readline_name = UnsafePointer(strdup("streamsql"))
    rl_catch_signals = 0
    using_history()
    if access(historyPath, F_OK) == 0 {
      _ = read_history(historyPath)
      _ = history_truncate_file(historyPath, 2000)
    } else {
      _ = write_history(historyPath)
    }
    Completion.install()
  }

  /// Reads one line with `prompt`, editing it with readline.
  func read(prompt: String) -> Input {
    LineEditor.received = nil
    rl_callback_handler_install(prompt) { line in
      if let line {
        LineEditor.received = .line(String(cString: line))
        free(line)
      } else {
        LineEditor.received = .endOfFile
      }
      // Restores the terminal's own mode while the statement runs; the next read reinstalls.
      rl_callback_handler_remove()
    }
    while LineEditor.received == nil {
      // The signal may be taken by any thread; its handler also wakes the poll through a pipe.
      var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
      if Signals.wakeDescriptor >= 0 {
        fds.append(pollfd(fd: Signals.wakeDescriptor, events: Int16(POLLIN), revents: 0))
      }
      let ready = poll(&fds, nfds_t(fds.count), -1)
      if ready < 0 && errno != EINTR { break }
      if Signals.stopRequested {
        Signals.reset()
        // Before the handler goes: leaving readline's terminal mode may return the cursor to
        // column 0 (bracketed paste's "\r"), and the "^C" belongs after the cleared text.
        rl_point = rl_end
        rl_redisplay()
        writeStdout("^C")
        rl_free_line_state()
        rl_callback_sigcleanup()
        rl_callback_handler_remove()
        writeStdout("\n")
        return .interrupt
      }
      if ready <= 0 { continue }
      let fd = fds[0]
      if fd.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { rl_callback_read_char() }
      if fd.revents & Int16(POLLHUP | POLLERR) != 0 && LineEditor.received == nil {
        rl_callback_handler_remove()
        return .endOfFile
      }
    }
    return LineEditor.received ?? .endOfFile
  }

  /// Adds an entry to the history and appends it to the history file.
  func remember(_ entry: String) {
    let line = entry.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.joined(
      separator: " ")
    guard !line.isEmpty else { return }
    add_history(line)
    if append_history(1, historyPath) != 0 { _ = write_history(historyPath) }
  }

  /// The history file: `$STREAMSQL_HISTORY`, else `~/.streamsql_history`.
  static var defaultHistoryPath: String {
    if let path = getenv("STREAMSQL_HISTORY"), path.pointee != 0 { return String(cString: path) }
    let home = getenv("HOME").map { String(cString: $0) } ?? "."
    return home + "/.streamsql_history"
  }
}

extension Substring {
  /// Without leading and trailing blanks.
  func trimmingCharacters() -> String {
    var s = self
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    while let c = s.last, c.isWhitespace { s.removeLast() }
    return String(s)
  }
}

extension String {
  var trimmed: String { Substring(self).trimmingCharacters() }
}
