/// A failure that stops a run with exit status 1 (SPEC 1): unreadable input, unwritable output,
/// or a bad line under `--on-error fail`.
public struct RunError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
