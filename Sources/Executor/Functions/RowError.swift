/// An error in evaluating an expression on one row, such as a failed CAST or an invalid regular
/// expression.
///
/// It is not a query error: the engine counts the row as bad (SPEC 9) and goes on with the next
/// one. The message names what went wrong with the value, without the row's position, which the
/// engine adds.
public struct RowError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}
