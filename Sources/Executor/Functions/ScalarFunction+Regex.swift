import Planner

/// The regular-expression functions, on Swift's standard-library `Regex`.
///
/// Flags, as the last argument, are letters: `i` ignores case; `g` makes `regexp_replace`
/// replace every match rather than the first (as in PostgreSQL and DuckDB). Matching finds a
/// match anywhere in the string; anchor with `^...$` for a whole-string match.
extension ScalarFunction {
  func evaluateRegex(_ args: [Value], cache: RegexCache?) throws(RowError) -> Value {
    guard case .string(let s) = args[0], case .string(let pattern) = args[1] else { return .null }
    switch self {
    case .regexpMatches:
      guard let flags = Self.flags(args, at: 2) else { return .null }
      let regex = try cache.regex(pattern, flags: flags)
      return .bool(s.contains(regex))

    case .regexpExtract:
      // regexp_extract(s, pattern[, group[, flags]])
      var group = 0
      if args.count > 2 {
        guard case .int(let g) = args[2] else { return .null }
        guard g >= 0 && g < 1000 else {
          throw RowError("regexp_extract group \(g) is out of range")
        }
        group = Int(g)
      }
      guard let flags = Self.flags(args, at: 3) else { return .null }
      let regex = try cache.regex(pattern, flags: flags)
      guard let match = s.firstMatch(of: regex) else { return .string("") }
      guard group < match.output.count else {
        throw RowError("regexp_extract group \(group) is out of range for '\(pattern)'")
      }
      return .string(match.output[group].substring.map(String.init) ?? "")

    case .regexpReplace:
      // regexp_replace(s, pattern, replacement[, flags])
      guard case .string(let replacement) = args[2], let flags = Self.flags(args, at: 3) else {
        return .null
      }
      let regex = try cache.regex(pattern, flags: flags)
      let template = Self.replacementTemplate(replacement)
      let limit = flags.contains("g") ? Int.max : 1
      return .string(
        s.replacing(regex, maxReplacements: limit) { match in
          Self.expand(template, match.output)
        })

    default:
      return .null
    }
  }

  /// The flags argument at `index`: `""` when absent, nil when present but not a string.
  private static func flags(_ args: [Value], at index: Int) -> String? {
    guard index < args.count else { return "" }
    guard case .string(let f) = args[index] else { return nil }
    return f
  }

  /// A piece of a replacement string: literal text or a capture group (`\1`; `\0` is the
  /// whole match, `\\` a backslash), as RE2 writes them.
  enum ReplacementPiece: Equatable {
    case text(String)
    case group(Int)
  }

  static func replacementTemplate(_ replacement: String) -> [ReplacementPiece] {
    var pieces: [ReplacementPiece] = []
    var text = ""
    var scalars = replacement.unicodeScalars.makeIterator()
    while let c = scalars.next() {
      guard c == "\\" else {
        text.unicodeScalars.append(c)
        continue
      }
      guard let next = scalars.next() else {
        text.unicodeScalars.append(c)
        break
      }
      if next.value >= 48 && next.value <= 57 {
        let digit = Int(next.value - 48)
        if !text.isEmpty { pieces.append(.text(text)) }
        text = ""
        pieces.append(.group(digit))
      } else {
        text.unicodeScalars.append(next)
      }
    }
    if !text.isEmpty { pieces.append(.text(text)) }
    return pieces
  }

  /// The replacement for one match; a group that did not take part, or does not exist, is
  /// empty.
  static func expand(_ template: [ReplacementPiece], _ output: AnyRegexOutput) -> String {
    var out = ""
    for piece in template {
      switch piece {
      case .text(let t): out += t
      case .group(let g):
        if g < output.count, let sub = output[g].substring { out += sub }
      }
    }
    return out
  }
}
