import Planner
import SQLParser

/// The operators of SQL expressions on `Value`s, for the row-at-a-time expression evaluator.
///
/// Decisions, where SQL engines differ:
/// - `+ - *` on two BIGINTs give a BIGINT; on overflow the result is promoted to DOUBLE rather
///   than failing the row (DuckDB raises an error; a stream should keep going, and the DOUBLE
///   is the nearest true value).
/// - `/` always gives a DOUBLE (`7 / 2` is 3.5), as DuckDB 1.x does; `%` on BIGINTs gives a
///   BIGINT with the sign of the dividend. Dividing by zero gives NULL.
/// - Arithmetic on anything but numbers (and the timestamp/interval forms below) gives NULL
///   (SPEC 3): `'3' + 1` is NULL, not 4.
/// - TIMESTAMP ± INTERVAL → TIMESTAMP; TIMESTAMP − TIMESTAMP → INTERVAL; INTERVAL ± INTERVAL →
///   INTERVAL; INTERVAL × number and INTERVAL / number → INTERVAL (whole milliseconds, toward
///   zero). Overflow there gives NULL.
public enum ValueOps {
  /// `a op b` for any binary operator: arithmetic, `||`, comparisons (three-valued: NULL when
  /// either side is NULL or the two are incomparable) and `AND`/`OR` (three-valued).
  public static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
    switch op {
    case .add, .subtract, .multiply, .divide, .modulo: return arithmetic(op, a, b)
    case .concat: return concat(a, b)
    case .and, .or:
      let l = truthiness(a)
      let r = truthiness(b)
      if op == .and {
        if l == false || r == false { return .bool(false) }
        if l == true && r == true { return .bool(true) }
      } else {
        if l == true || r == true { return .bool(true) }
        if l == false && r == false { return .bool(false) }
      }
      return .null
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
      guard let order = compare(a, b) else { return .null }
      switch op {
      case .equal: return .bool(order == 0)
      case .notEqual: return .bool(order != 0)
      case .less: return .bool(order < 0)
      case .lessOrEqual: return .bool(order <= 0)
      case .greater: return .bool(order > 0)
      default: return .bool(order >= 0)
      }
    }
  }

  /// `a + b`, `a - b`, `a * b`, `a / b`, `a % b`; see the type's discussion. Other operators
  /// give NULL.
  public static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
    switch (a, b) {
    case (.int(let x), .int(let y)):
      switch op {
      case .add: return promote(x.addingReportingOverflow(y), Double(x) + Double(y))
      case .subtract: return promote(x.subtractingReportingOverflow(y), Double(x) - Double(y))
      case .multiply: return promote(x.multipliedReportingOverflow(by: y), Double(x) * Double(y))
      case .divide: return y == 0 ? .null : .double(Double(x) / Double(y))
      case .modulo:
        guard y != 0 else { return .null }
        return .int(x.remainderReportingOverflow(dividingBy: y).partialValue)
      default: return .null
      }
    case (.int, .double), (.double, .int), (.double, .double):
      let x = a.numeric!
      let y = b.numeric!
      switch op {
      case .add: return .double(x + y)
      case .subtract: return .double(x - y)
      case .multiply: return .double(x * y)
      case .divide: return y == 0 ? .null : .double(x / y)
      case .modulo: return y == 0 ? .null : .double(x.truncatingRemainder(dividingBy: y))
      default: return .null
      }
    case (.timestamp(let t), .interval(let d)):
      switch op {
      case .add: return checked(t.addingReportingOverflow(d), Value.timestamp)
      case .subtract: return checked(t.subtractingReportingOverflow(d), Value.timestamp)
      default: return .null
      }
    case (.interval(let d), .timestamp(let t)):
      return op == .add ? checked(t.addingReportingOverflow(d), Value.timestamp) : .null
    case (.timestamp(let x), .timestamp(let y)):
      return op == .subtract ? checked(x.subtractingReportingOverflow(y), Value.interval) : .null
    case (.interval(let x), .interval(let y)):
      switch op {
      case .add: return checked(x.addingReportingOverflow(y), Value.interval)
      case .subtract: return checked(x.subtractingReportingOverflow(y), Value.interval)
      default: return .null
      }
    case (.interval(let d), .int), (.interval(let d), .double):
      guard op == .multiply || op == .divide, let k = b.numeric else { return .null }
      if op == .divide && k == 0 { return .null }
      return scaledInterval(
        d, op == .multiply ? Double(d) * k : Double(d) / k, k, divide: op == .divide)
    case (.int, .interval(let d)), (.double, .interval(let d)):
      guard op == .multiply, let k = a.numeric else { return .null }
      return scaledInterval(d, Double(d) * k, k, divide: false)
    default:
      return .null
    }
  }

  private static func promote(_ r: (partialValue: Int64, overflow: Bool), _ wide: Double) -> Value {
    r.overflow ? .double(wide) : .int(r.partialValue)
  }

  private static func checked(_ r: (partialValue: Int64, overflow: Bool), _ make: (Int64) -> Value)
    -> Value
  {
    r.overflow ? .null : make(r.partialValue)
  }

  /// An interval scaled by a number: exact for an integer factor, else through DOUBLE.
  private static func scaledInterval(_ d: Int64, _ approximate: Double, _ k: Double, divide: Bool)
    -> Value
  {
    if let n = Int64(exactly: k) {
      if divide { return .interval(d.dividedReportingOverflow(by: n).partialValue) }
      return checked(d.multipliedReportingOverflow(by: n), Value.interval)
    }
    let r = approximate.rounded(.towardZero)
    guard r.isFinite, Swift.abs(r) < 9.2e18 else { return .null }
    return .interval(Int64(r))
  }

  /// `-x`: BIGINT stays BIGINT (`-(-9223372036854775808)` becomes DOUBLE), DOUBLE and INTERVAL
  /// negate; anything else is NULL.
  public static func negate(_ v: Value) -> Value {
    switch v {
    case .int(let x): return x == Int64.min ? .double(-Double(x)) : .int(-x)
    case .double(let x): return .double(-x)
    case .interval(let x): return x == Int64.min ? .null : .interval(-x)
    default: return .null
    }
  }

  /// `NOT x`, three-valued: NULL (or a non-boolean) stays NULL.
  public static func not(_ v: Value) -> Value {
    truthiness(v).map { .bool(!$0) } ?? .null
  }

  /// `a || b`: NULL when either is NULL (as in SQL; `concat()` skips NULLs instead); other
  /// values are joined as their canonical text (`'n=' || 5` is `'n=5'`).
  public static func concat(_ a: Value, _ b: Value) -> Value {
    guard let x = text(a), let y = text(b) else { return .null }
    return .string(x + y)
  }

  /// A value as a condition: a BOOLEAN is itself; NULL and every other type are "unknown".
  public static func truthiness(_ v: Value) -> Bool? {
    if case .bool(let b) = v { return b }
    return nil
  }

  /// The canonical text of a value, as `CAST(x AS VARCHAR)` gives it; nil for NULL.
  ///
  /// BOOLEAN `true`/`false`; DOUBLE in its shortest round-tripping form (`0.1`, `3.0`, `1e+20`,
  /// `nan`, `inf`); TIMESTAMP as ISO-8601 (`2026-11-26T08:01:00.000Z`); INTERVAL as
  /// `[-]HH:MM:SS[.mmm]` with hours not wrapped at a day; JSON as its text.
  public static func text(_ v: Value) -> String? {
    switch v {
    case .null: return nil
    case .bool(let b): return b ? "true" : "false"
    case .int(let n): return String(n)
    case .double(let d): return String(d)
    case .string(let s), .json(let s): return s
    case .timestamp(let ms): return Timestamp.format(ms)
    case .interval(let ms): return intervalText(ms)
    }
  }

  static func intervalText(_ ms: Int64) -> String {
    let magnitude = ms.magnitude
    func two(_ v: UInt64) -> String { v < 10 ? "0" + String(v) : String(v) }
    var out = ms < 0 ? "-" : ""
    out +=
      two(magnitude / 3_600_000) + ":" + two(magnitude / 60_000 % 60) + ":"
      + two(magnitude / 1000 % 60)
    let milli = magnitude % 1000
    if milli != 0 { out += "." + String(String(milli + 1000).dropFirst()) }
    return out
  }

  /// A decimal number in text (`1.5`, `-2e3`, `nan`, `inf`), or nil; unlike `Double(_:)`, hex
  /// forms such as `0x1p3` are not numbers here.
  public static func parseDouble(_ text: String) -> Double? {
    guard !text.isEmpty,
      !text.utf8.contains(where: { $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") })
    else {
      return nil
    }
    return Double(text)
  }
}
