import Planner

/// Evaluation of scalar functions on the row-at-a-time path.
///
/// The rules shared by every function, as in DuckDB and PostgreSQL:
/// - NULL in, NULL out: when any argument is NULL the result is NULL, except for `coalesce`,
///   `concat`, `concat_ws` (which skip NULL arguments), `greatest`/`least` (which ignore them),
///   `nullif` and `typeof`.
/// - An argument of the wrong type (`lower(5)`, `sqrt('x')`) gives NULL, never a crash; a field
///   read from JSON may hold anything, and one odd row must not stop a stream.
/// - A `RowError` is thrown only for an argument that no row could make sensible: an invalid
///   regular expression, an unknown `date_trunc` unit or `to_timestamp` format, or a wrong
///   argument count (which the binder normally rejects first).
extension ScalarFunction {
  /// The result of calling this function with `args` on one row.
  ///
  /// - Parameters:
  ///   - args: the evaluated arguments.
  ///   - now: the wall clock in milliseconds since the epoch, the result of `now()`; passed in so
  ///     that tests and replays are deterministic.
  ///   - cache: compiled regular expressions, owned by the caller (one per evaluator); with nil,
  ///     `regexp_*` compile their pattern on every call.
  /// - Throws: `RowError`, counted by the engine as a bad row.
  public func evaluate(_ args: [Value], now: Int64, cache: RegexCache? = nil) throws(RowError)
    -> Value
  {
    guard arity.contains(args.count) else {
      throw RowError("\(name)() does not take \(args.count) argument\(args.count == 1 ? "" : "s")")
    }
    if propagatesNull, args.contains(where: \.isNull) { return .null }
    switch self {
    case .lower, .upper, .length, .substr, .trim, .ltrim, .rtrim, .replace, .splitPart,
      .startsWith, .endsWith, .contains, .concat, .concatWS:
      return evaluateString(args)
    case .regexpMatches, .regexpExtract, .regexpReplace:
      return try evaluateRegex(args, cache: cache)
    case .abs, .round, .floor, .ceil, .sqrt, .ln, .log10, .exp, .power, .sign:
      return evaluateMath(args)
    case .greatest, .least:
      return Self.extreme(args, greatest: self == .greatest)
    case .coalesce:
      return args.first(where: { !$0.isNull }) ?? .null
    case .nullif:
      return ValueOps.equals(args[0], args[1]) == true ? .null : args[0]
    case .now, .toTimestamp, .dateTrunc, .formatTimestamp, .epochMs, .epoch:
      return try evaluateTime(args, now: now)
    case .jsonExtract:
      return Self.jsonExtract(args[0], args[1])
    case .typeof:
      return .string(args[0].dataType.rawValue)
    }
  }

  /// Whether a NULL argument makes the result NULL without calling the function.
  var propagatesNull: Bool {
    switch self {
    case .coalesce, .concat, .concatWS, .greatest, .least, .nullif, .typeof: return false
    default: return true
    }
  }

  /// `greatest(a, b, ...)` / `least(a, b, ...)`: the largest or smallest non-NULL argument,
  /// returned unchanged (an int stays an int). NULL when all are NULL or two are incomparable
  /// (`greatest(1, 'a')`), as a comparison of such values is NULL.
  static func extreme(_ args: [Value], greatest: Bool) -> Value {
    var best: Value? = nil
    for v in args where !v.isNull {
      guard let b = best else {
        best = v
        continue
      }
      guard let order = ValueOps.compare(v, b) else { return .null }
      if greatest ? order > 0 : order < 0 { best = v }
    }
    return best ?? .null
  }

  /// `json_extract(json, path)`: the value at `path` in a JSON object or array, given as a JSON
  /// value or as a string holding JSON text. See `JSONPathReader`.
  static func jsonExtract(_ document: Value, _ path: Value) -> Value {
    guard case .string(let pathText) = path else { return .null }
    let text: String
    switch document {
    case .json(let t), .string(let t): text = t
    default: return .null
    }
    guard let steps = JSONPathReader.parsePath(pathText) else { return .null }
    return JSONPathReader.extract(text, steps)
  }
}
