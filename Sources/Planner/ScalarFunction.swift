/// A built-in scalar (row-at-a-time) SQL function.
///
/// The binder resolves a call such as `lower(name)` to a case with `lookup(_:)`, checks the
/// argument count against `arity`, and records `resultType(_:)` as the call's static type. The
/// executor evaluates the case (see `ScalarFunction+Evaluate.swift` in the Executor target).
///
/// The raw value is the canonical SQL name; aliases (`substring`, `ceiling`, `pow`, `strftime`,
/// `json_extract_path`, `char_length`) resolve to the canonical case.
public enum ScalarFunction: String, CaseIterable, Sendable {
  // Strings
  case lower, upper, length, substr, trim, ltrim, rtrim, replace
  case splitPart = "split_part"
  case startsWith = "starts_with"
  case endsWith = "ends_with"
  case contains
  case regexpMatches = "regexp_matches"
  case regexpExtract = "regexp_extract"
  case regexpReplace = "regexp_replace"
  case concat
  case concatWS = "concat_ws"
  // Math
  case abs, round, floor, ceil, sqrt, ln, log10, exp, power, sign, greatest, least
  // Conditional
  case coalesce, nullif
  // Time
  case now
  case toTimestamp = "to_timestamp"
  case dateTrunc = "date_trunc"
  case formatTimestamp = "format_timestamp"
  case epochMs = "epoch_ms"
  case epoch
  // JSON and types
  case jsonExtract = "json_extract"
  case typeof

  /// Other spellings accepted for a function, lowercased, mapped to the canonical case.
  public static let aliases: [String: ScalarFunction] = [
    "substring": .substr,
    "ceiling": .ceil,
    "pow": .power,
    "strftime": .formatTimestamp,
    "json_extract_path": .jsonExtract,
    "char_length": .length,
    "character_length": .length,
  ]

  /// The canonical SQL name, as printed in EXPLAIN and used as an unaliased output name.
  public var name: String { rawValue }

  /// The function named `name` (any case, canonical name or alias), or nil when unknown.
  public static func lookup(_ name: String) -> ScalarFunction? {
    let lowered = name.lowercased()
    return ScalarFunction(rawValue: lowered) ?? aliases[lowered]
  }

  /// Every name a user may type, canonical names and aliases, sorted; for tab completion.
  public static var allNames: [String] {
    (allCases.map(\.rawValue) + aliases.keys).sorted()
  }

  /// How many arguments a call may pass. Variadic functions use `Int.max` as the upper bound.
  public var arity: ClosedRange<Int> {
    switch self {
    case .now: return 0...0
    case .lower, .upper, .length, .abs, .floor, .ceil, .sqrt, .ln, .log10, .exp, .sign,
      .epochMs, .epoch, .typeof:
      return 1...1
    case .trim, .ltrim, .rtrim, .round, .toTimestamp: return 1...2
    case .substr: return 2...3
    case .startsWith, .endsWith, .contains, .power, .nullif, .dateTrunc, .formatTimestamp,
      .jsonExtract:
      return 2...2
    case .replace, .splitPart: return 3...3
    case .regexpMatches: return 2...3
    case .regexpExtract: return 2...4
    case .regexpReplace: return 3...4
    case .concat, .greatest, .least, .coalesce: return 1...Int.max
    case .concatWS: return 2...Int.max
    }
  }

  /// False for functions whose result changes between calls with the same arguments (`now()`),
  /// so that the planner does not fold them into constants.
  public var isDeterministic: Bool { self != .now }

  /// The static result type of a call whose arguments have the given types.
  ///
  /// A best guess for the binder: `.any` when the type depends on run-time values (a field of
  /// type `.any`, `json_extract`, or mixed argument types that the function returns unchanged).
  public func resultType(_ args: [DataType]) -> DataType {
    switch self {
    case .lower, .upper, .substr, .trim, .ltrim, .rtrim, .replace, .splitPart, .regexpExtract,
      .regexpReplace, .concat, .concatWS, .formatTimestamp, .typeof:
      return .varchar
    case .length, .epochMs, .sign:
      return .bigint
    case .startsWith, .endsWith, .contains, .regexpMatches:
      return .boolean
    case .sqrt, .ln, .log10, .exp, .power, .epoch:
      return .double
    case .now, .toTimestamp, .dateTrunc:
      return .timestamp
    case .abs, .round, .floor, .ceil:
      // Integers stay integers; doubles stay doubles.
      guard let first = args.first, first.isNumeric else { return .any }
      return first
    case .greatest, .least, .coalesce:
      return Self.commonType(args)
    case .nullif:
      return args.first ?? .any
    case .jsonExtract:
      return .any
    }
  }

  /// The one type shared by every non-NULL argument type, else `.any`.
  private static func commonType(_ types: [DataType]) -> DataType {
    var result: DataType? = nil
    for t in types where t != .null {
      if let r = result, r != t { return .any }
      result = t
    }
    return result ?? .null
  }

  /// The known function name closest to `name`, for a "did you mean" note; nil when nothing
  /// is close.
  ///
  /// Closeness is the optimal-string-alignment edit distance (a swap of two neighbours counts
  /// once, so `lenght` suggests `length`). A name qualifies at distance at most 2, and at most
  /// a third of the typed name's length (at least 1), so that `x` does not suggest `exp`. Ties
  /// go to the alphabetically first name.
  public static func suggestion(for name: String) -> String? {
    let typed = Array(name.lowercased().unicodeScalars)
    let limit = Swift.min(2, Swift.max(1, typed.count / 3))
    var best: (name: String, distance: Int)? = nil
    for candidate in allNames {
      let d = editDistance(typed, Array(candidate.unicodeScalars))
      guard d <= limit else { continue }
      if best == nil || d < best!.distance { best = (candidate, d) }
    }
    return best?.name
  }

  /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
  ///
  /// - Complexity: O(*m* × *n*) time, O(*n*) memory over three rolling rows.
  static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var d = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d = Swift.min(d, before[j - 2] + 1)
        }
        current[j] = d
      }
      (before, previous, current) = (previous, current, before)
    }
    return previous[b.count]
  }
}
