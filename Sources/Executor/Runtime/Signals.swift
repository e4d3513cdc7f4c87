#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// SIGINT and SIGTERM end the input (SPEC 4): every window fires, output is flushed, exit 0.
/// A second SIGINT exits at once.
public enum Signals {
  nonisolated(unsafe) private static var stop: sig_atomic_t = 0

  public static var stopRequested: Bool { stop != 0 }

  /// Whether a second SIGINT exits at once. The REPL turns this off: there SIGINT cancels the
  /// running query (or clears the line) and the session goes on.
  nonisolated(unsafe) public static var exitsOnSecondInterrupt = true

  /// Installs the handlers without SA_RESTART, so a blocked read returns and the loop sees it.
  public static func install() {
    let handler: @convention(c) (Int32) -> Void = { signal in
      if Signals.stop != 0 && signal == SIGINT && Signals.exitsOnSecondInterrupt { _exit(130) }
      Signals.stop = 1
    }
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    sigaction(SIGTERM, &action, nil)
    signal(SIGPIPE, SIG_IGN)
  }

  /// Forgets a stop request (the REPL cancels one query and goes on).
  public static func reset() { stop = 0 }
}
