/// Compiled regular expressions of the `regexp_*` functions, keyed by pattern and flags.
///
/// Compiling a `Regex` costs far more than matching one short string, and a query's patterns are
/// almost always constants, so the evaluator keeps the compiled form. The cache is an object that
/// the caller owns — one per expression evaluator (that is, per operator) — rather than a shared
/// global: Swift 6 forbids unguarded global mutable state, and an owner that is used from one
/// task at a time needs no lock. It is therefore deliberately not `Sendable`.
///
/// The cache holds at most `capacity` patterns; when full it is cleared, which is cheap and
/// keeps memory bounded when patterns come from the data.
public final class RegexCache {
  /// A compiled pattern, or the error message it failed with (so a bad pattern taken from a
  /// column is not recompiled on every row).
  private enum Entry {
    case compiled(Regex<AnyRegexOutput>)
    case invalid(String)
  }

  public let capacity: Int
  private var entries: [String: Entry] = [:]

  public init(capacity: Int = 32) {
    self.capacity = Swift.max(1, capacity)
  }

  /// How many patterns are cached now.
  public var count: Int { entries.count }

  /// The compiled form of `pattern` with `flags` (`i` ignores case; other letters are ignored
  /// here), compiling it on first use.
  ///
  /// Patterns use Swift `Regex` syntax (close to PCRE and RE2) and match on Unicode scalars,
  /// like `length` and `substr` count them.
  ///
  /// - Throws: `RowError` when the pattern is not a valid regular expression.
  public func regex(_ pattern: String, flags: String = "") throws(RowError) -> Regex<AnyRegexOutput>
  {
    let ignoreCase = flags.contains("i")
    let key = ignoreCase ? "i:" + pattern : "-:" + pattern
    if let entry = entries[key] {
      switch entry {
      case .compiled(let regex): return regex
      case .invalid(let message): throw RowError(message)
      }
    }
    if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
    do {
      let regex = try Self.compile(pattern, ignoreCase: ignoreCase)
      entries[key] = .compiled(regex)
      return regex
    } catch {
      entries[key] = .invalid(error.message)
      throw error
    }
  }

  /// Compiles without caching; used when the caller passed no cache.
  static func compile(_ pattern: String, ignoreCase: Bool) throws(RowError) -> Regex<AnyRegexOutput>
  {
    do {
      var regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
      if ignoreCase { regex = regex.ignoresCase() }
      return regex
    } catch {
      throw RowError("invalid regular expression '\(pattern)': \(error)")
    }
  }
}

extension Optional where Wrapped == RegexCache {
  /// The compiled pattern, from the cache when there is one.
  func regex(_ pattern: String, flags: String) throws(RowError) -> Regex<AnyRegexOutput> {
    switch self {
    case .some(let cache): return try cache.regex(pattern, flags: flags)
    case .none: return try RegexCache.compile(pattern, ignoreCase: flags.contains("i"))
    }
  }
}
