import SQLParser

/// The streams a session or script has declared with CREATE STREAM.
///
/// A stream is either a source (`WITH (source = ...)`, optionally with a column list and a
/// timestamp expression) or a view over another stream (`CREATE STREAM x AS SELECT ...`), which
/// the binder inlines into the queries that read it.
public struct StreamCatalog: Sendable {
  public struct Entry: Sendable {
    public enum Kind: Sendable {
      case source(SourceLocation)
      case view(SelectStatement)
    }
    public var name: String
    public var kind: Kind
    public var columns: [ColumnDefinition]
    /// `timestamp = 'expr'`, parsed.
    public var timestamp: Expr?
    public var options: [StreamOption]
    /// The statement's text, for SHOW STREAMS.
    public var definition: String
  }

  /// Entries by lowercased name, in declaration order.
  public private(set) var entries: [Entry] = []

  public init() {}

  public func lookup(_ name: String) -> Entry? {
    let key = name.lowercased()
    return entries.first { $0.name.lowercased() == key }
  }

  public mutating func add(_ entry: Entry) {
    entries.append(entry)
  }

  @discardableResult
  public mutating func remove(_ name: String) -> Bool {
    let key = name.lowercased()
    guard let i = entries.firstIndex(where: { $0.name.lowercased() == key }) else { return false }
    entries.remove(at: i)
    return true
  }

  /// The streams that are views over `name` (a stream cannot be dropped while they exist).
  public func dependents(of name: String) -> [String] {
    let key = name.lowercased()
    return entries.compactMap { entry in
      if case .view(let select) = entry.kind, case .stream(let s)? = select.from?.source,
        s.lowercased() == key
      {
        return entry.name
      }
      return nil
    }
  }
}
