/// A half-open range of UTF-8 byte offsets into the text a statement was parsed from.
///
/// Every token and AST node carries one, so that any error found later (by the parser, the
/// binder or the planner) can point at the exact text that caused it.
public struct SourceSpan: Hashable, Sendable, CustomStringConvertible {
  /// Offset of the first byte.
  public var start: Int
  /// Offset one past the last byte.
  public var end: Int

  public init(start: Int, end: Int) {
    self.start = start
    self.end = end
  }

  /// A span for nodes made up by the program rather than read from text.
  public static let synthetic = SourceSpan(start: 0, end: 0)

  /// The smallest span covering both.
  public func union(_ other: SourceSpan) -> SourceSpan {
    if self == .synthetic { return other }
    if other == .synthetic { return self }
    return SourceSpan(start: Swift.min(start, other.start), end: Swift.max(end, other.end))
  }

  public var description: String { "\(start)..<\(end)" }
}
