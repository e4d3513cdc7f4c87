import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What happens when a mapped input file shrinks under the run: the kernel raises SIGBUS on the
/// first touch of a mapped page past the new end, on whichever thread touches it.
///
/// A read(2) would have seen end of file there; a mapping cannot. The run cannot go on (the
/// piece being scanned lost its bytes), so instead of dying by the signal, the process writes
/// one line naming the mapped input(s) to stderr and exits with status 1, the SPEC's runtime
/// failure. Output buffered but not yet written is lost, as with any crash; what was flushed
/// stays. `MappedFile` looks at the size before every mapping, so only a file cut while one of
/// its pieces is in flight gets here; one cut between pieces just ends, as when read.
///
/// The handler is installed when the first input is mapped, and only then.
enum MappingFault {
  /// The message, prepared beforehand: a signal handler may only write and exit.
  nonisolated(unsafe) private static var message: UnsafeMutablePointer<UInt8>?
  nonisolated(unsafe) private static var messageLength = 0
  nonisolated(unsafe) private static var names: [String] = []
  /// Inputs are opened on one thread in a run; tests open them on several.
  private static let lock = DispatchSemaphore(value: 1)

  /// The status the process exits with (SPEC: 1, a runtime failure).
  static let exitStatus: Int32 = 1

  /// Registers a mapped input (`stdin` or a quoted path) for the message, installing the handler on the first call.
  static func watch(_ name: String) {
    lock.wait()
    defer { lock.signal() }
    let first = names.isEmpty
    if !names.contains(name) { names.append(name) }
    let what =
      names.count == 1 ? names[0] : "a mapped input (one of \(names.joined(separator: ", ")))"
    let text = Array(
      "streamsql: cannot read \(what): the file was truncated while it was being read\n".utf8)
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count)
    buffer.initialize(from: text, count: text.count)
    // The old message is kept (a handler may be writing it); this happens once per input.
    messageLength = 0
    message = buffer
    messageLength = text.count
    if first { install() }
  }

  private static func install() {
    let handler: @convention(c) (Int32) -> Void = { _ in
      if let message = MappingFault.message, MappingFault.messageLength > 0 {
        _ = write(2, message, MappingFault.messageLength)
      }
      _exit(MappingFault.exitStatus)
    }
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGBUS, &action, nil)
  }
}
