/// A compiled `LIKE` / `ILIKE` pattern.
///
///     x LIKE 'GET /api/%'        x ILIKE '%error%'        x LIKE '10\%%' ESCAPE '\'
///
/// `%` matches any run of characters (including none), `_` exactly one; the escape character
/// makes the next `%`, `_` or itself literal. Characters are Unicode scalars, as in `length`.
/// ILIKE lowercases both sides with Unicode rules before matching. The whole string must match.
///
/// The pattern is compiled once per expression (not per row) and matched without `Regex`: a
/// left-to-right scan that remembers only the most recent `%` and, on a mismatch, lets that `%`
/// swallow one more character — the classic wildcard algorithm.
///
/// - Complexity: O(*n*) for patterns with at most one `%` or with literal runs that do not
///   repeat; O(*n* × *m*) in the worst case, never exponential.
public struct LikePattern: Sendable, Equatable {
  enum Token: Sendable, Equatable {
    case literal(Unicode.Scalar)
    case one
    case any
  }

  let tokens: [Token]
  public let caseInsensitive: Bool

  /// Compiles `pattern`. An escape at the very end of the pattern stands for itself.
  public init(pattern: String, escape: Character? = nil, caseInsensitive: Bool = false) {
    self.caseInsensitive = caseInsensitive
    let source = caseInsensitive ? pattern.lowercased() : pattern
    let escapeScalar = escape.flatMap {
      $0.unicodeScalars.count == 1 ? $0.unicodeScalars.first : nil
    }
    var tokens: [Token] = []
    var scalars = source.unicodeScalars.makeIterator()
    while let c = scalars.next() {
      if let e = escapeScalar, c == e {
        tokens.append(.literal(scalars.next() ?? c))
      } else if c == "%" {
        if tokens.last != .any { tokens.append(.any) }
      } else if c == "_" {
        tokens.append(.one)
      } else {
        tokens.append(.literal(c))
      }
    }
    self.tokens = tokens
  }

  /// Whether all of `s` matches the pattern.
  public func matches(_ s: String) -> Bool {
    let subject = caseInsensitive ? s.lowercased() : s
    var text: [Unicode.Scalar] = []
    text.reserveCapacity(subject.utf8.count)
    text.append(contentsOf: subject.unicodeScalars)
    return matches(text)
  }

  func matches(_ text: [Unicode.Scalar]) -> Bool {
    var t = 0
    var p = 0
    // Where the last `%` was, and where in the text it currently stops.
    var starToken = -1
    var starText = 0
    while t < text.count {
      if p < tokens.count {
        switch tokens[p] {
        case .any:
          starToken = p
          starText = t
          p += 1
          continue
        case .one:
          t += 1
          p += 1
          continue
        case .literal(let c) where c == text[t]:
          t += 1
          p += 1
          continue
        case .literal:
          break
        }
      }
      guard starToken >= 0 else { return false }
      // Backtrack: the last `%` takes one more character.
      starText += 1
      t = starText
      p = starToken + 1
    }
    while p < tokens.count, tokens[p] == .any { p += 1 }
    return p == tokens.count
  }
}
