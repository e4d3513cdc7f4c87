import Planner

/// Comparison of values: the three-valued comparison of SQL expressions and the total order of
/// ORDER BY.
extension ValueOps {
  /// -1, 0 or 1 as `a` is less than, equal to or greater than `b`; nil when either is NULL or
  /// the two are incomparable (SPEC 3: `'a' < 1` is NULL).
  ///
  /// BIGINT and DOUBLE compare exactly as numbers (`9007199254740993 > 9007199254740992.0`);
  /// NaN equals NaN and is above every other number, as in DuckDB and PostgreSQL. VARCHARs
  /// compare by UTF-8 bytes (code-point order; no collation). A TIMESTAMP and an ISO-8601
  /// VARCHAR compare as times when the string parses. BOOLEAN: false < true. JSON values compare
  /// by their text.
  public static func compare(_ a: Value, _ b: Value) -> Int? {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x < y ? -1 : x > y ? 1 : 0
    case (.double(let x), .double(let y)): return compareDoubles(x, y)
    case (.int(let x), .double(let y)): return compareExact(x, y)
    case (.double(let x), .int(let y)): return -compareExact(y, x)
    case (.string(let x), .string(let y)), (.json(let x), .json(let y)): return compareBytes(x, y)
    case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
    case (.timestamp(let x), .timestamp(let y)), (.interval(let x), .interval(let y)):
      return x < y ? -1 : x > y ? 1 : 0
    case (.timestamp(let x), .string(let s)):
      guard let y = Timestamp.parse(s) else { return nil }
      return x < y ? -1 : x > y ? 1 : 0
    case (.string(let s), .timestamp(let y)):
      guard let x = Timestamp.parse(s) else { return nil }
      return x < y ? -1 : x > y ? 1 : 0
    default:
      return nil
    }
  }

  /// `a = b` in three-valued logic: nil when either is NULL or they are incomparable.
  public static func equals(_ a: Value, _ b: Value) -> Bool? {
    compare(a, b).map { $0 == 0 }
  }

  /// Whether `a` sorts before `b` in ORDER BY: a strict total order over all values.
  ///
  /// Types rank NULL, BOOLEAN, numbers (BIGINT and DOUBLE together, NaN last), VARCHAR,
  /// TIMESTAMP, INTERVAL, JSON; within a rank as `compare`. Unlike `compare`, a VARCHAR never
  /// equals a TIMESTAMP here (the order must be transitive). NULLs come first: an operator that
  /// wants NULLS LAST (DuckDB's default for ASC) places them itself.
  public static func sqlTotalOrder(_ a: Value, _ b: Value) -> Bool {
    let ra = rank(a)
    let rb = rank(b)
    if ra != rb { return ra < rb }
    switch (a, b) {
    case (.null, .null): return false
    case (.string(let x), .string(let y)), (.json(let x), .json(let y)):
      return compareBytes(x, y) < 0
    default: return (compare(a, b) ?? 0) < 0
    }
  }

  private static func rank(_ v: Value) -> Int {
    switch v {
    case .null: return 0
    case .bool: return 1
    case .int, .double: return 2
    case .string: return 3
    case .timestamp: return 4
    case .interval: return 5
    case .json: return 6
    }
  }

  static func compareDoubles(_ x: Double, _ y: Double) -> Int {
    if x.isNaN || y.isNaN { return x.isNaN == y.isNaN ? 0 : (x.isNaN ? 1 : -1) }
    return x < y ? -1 : x > y ? 1 : 0
  }

  /// An integer against a double without rounding the integer to a double first.
  static func compareExact(_ x: Int64, _ y: Double) -> Int {
    if y.isNaN { return -1 }
    if y >= 9_223_372_036_854_775_808.0 { return -1 }
    if y < -9_223_372_036_854_775_808.0 { return 1 }
    let whole = y.rounded(.towardZero)
    let w = Int64(whole)
    if x != w { return x < w ? -1 : 1 }
    let fraction = y - whole
    return fraction > 0 ? -1 : fraction < 0 ? 1 : 0
  }

  static func compareBytes(_ x: String, _ y: String) -> Int {
    var i = x.utf8.makeIterator()
    var j = y.utf8.makeIterator()
    while true {
      switch (i.next(), j.next()) {
      case (nil, nil): return 0
      case (nil, _): return -1
      case (_, nil): return 1
      case (let p?, let q?): if p != q { return p < q ? -1 : 1 }
      }
    }
  }
}
