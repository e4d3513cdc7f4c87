import Planner
import SQLParser

/// Converts a value read from input into the type its stream declares (`CREATE STREAM s
/// (status BIGINT, ...)`), only where nothing is lost (SPEC 7, issue 7 part 4).
///
/// `CAST` rounds (`CAST(1.5 AS BIGINT)` is 2) because the user asked for it; a declared schema is
/// a promise about the data, so a value that does not fit is a bad row, counted and dead-lettered
/// like any other, instead of silently becoming a different number:
///
///     1.5   into BIGINT   bad row        2.0    into BIGINT   2
///     'abc' into DOUBLE   bad row        '42'   into BIGINT   42
///     2     into BOOLEAN  bad row        1      into BOOLEAN  TRUE
///     true  into BIGINT   bad row        2^53+1 into DOUBLE   bad row
///
/// VARCHAR takes any value as its text; TIMESTAMP, INTERVAL and JSON parse as CAST does and a
/// failed parse is a bad row.
enum DeclaredCoercion {
  /// `value` as `type`, or nil when the conversion would lose information. NULL stays NULL.
  static func convert(_ value: Value, to type: TypeName) -> Value? {
    switch (value, type) {
    case (.null, _): return .null
    case (.bool, .bigint), (.bool, .double): return nil
    case (.double(let d), .bigint):
      guard let n = Int64(exactly: d) else { return nil }
      return .int(n)
    case (.int(let n), .double):
      guard let d = Double(exactly: n) else { return nil }
      return .double(d)
    case (.int(let n), .boolean):
      return n == 0 || n == 1 ? .bool(n == 1) : nil
    case (.double(let d), .boolean):
      return d == 0 || d == 1 ? .bool(d == 1) : nil
    default:
      return ValueOps.cast(value, to: type)
    }
  }
}
