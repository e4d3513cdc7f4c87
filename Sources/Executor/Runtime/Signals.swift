#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGINT and SIGTERM end the input (SPEC 4): every window fires, output is flushed, exit 0.
/// A second SIGINT exits at once.
///
/// The signal may land on any thread (scanning runs on worker threads), so besides setting a
/// flag the handler writes a byte to a pipe that the reading loop polls: the loop wakes up
/// whichever thread took the signal.
public enum Signals {
  nonisolated(unsafe) private static var stop: sig_atomic_t = 0
  /// Read end of the wake-up pipe, or -1 before `install()`.
  nonisolated(unsafe) public private(set) static var wakeDescriptor: Int32 = -1
  nonisolated(unsafe) private static var wakeWriter: Int32 = -1

  public static var stopRequested: Bool { stop != 0 }

  /// Whether a second SIGINT exits at once. The REPL turns this off: there SIGINT cancels the
  /// running query (or clears the line) and the session goes on.
  nonisolated(unsafe) public static var exitsOnSecondInterrupt = true

  /// Installs the handlers without SA_RESTART, so a blocked read returns and the loop sees it.
  public static func install() {
    if wakeDescriptor < 0 {
      var fds: [Int32] = [-1, -1]
      if pipe(&fds) == 0 {
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeDescriptor = fds[0]
        wakeWriter = fds[1]
      }
    }
    let handler: @convention(c) (Int32) -> Void = { signal in
      if Signals.stop != 0 && signal == SIGINT && Signals.exitsOnSecondInterrupt { _exit(130) }
      Signals.stop = 1
      if Signals.wakeWriter >= 0 {
        var byte: UInt8 = 1
        _ = write(Signals.wakeWriter, &byte, 1)
      }
    }
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    sigaction(SIGTERM, &action, nil)
    signal(SIGPIPE, SIG_IGN)
    // A parent may have started us with these blocked (the mask is inherited): unblock them.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
  }

  /// Forgets a stop request (the REPL cancels one query and goes on).
  public static func reset() {
    stop = 0
    guard wakeDescriptor >= 0 else { return }
    var bytes = [UInt8](repeating: 0, count: 64)
    while read(wakeDescriptor, &bytes, bytes.count) > 0 {}
  }
}
