import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The numeric functions.
///
/// Integers stay integers where the result is exact (`abs`, `sign`, `round`, `floor`, `ceil` of
/// a BIGINT); `floor` and `ceil` of a DOUBLE stay DOUBLE, as in DuckDB. Results that are not
/// real numbers — `sqrt(-1)`, `ln(0)`, `power(-8, 0.5)`, an overflow to infinity from finite
/// arguments, `abs(-9223372036854775808)` — are NULL: NDJSON has no way to write NaN or
/// infinity, and one odd row should not stop the stream.
///
/// The transcendental functions come from the C library (the standard library has only
/// `squareRoot` and rounding); that is not Foundation.
extension ScalarFunction {
  func evaluateMath(_ args: [Value]) -> Value {
    let x = args[0]
    switch self {
    case .abs:
      switch x {
      case .int(let v):
        return v == Int64.min ? .null : .int(v < 0 ? -v : v)
      case .double(let v): return .double(Swift.abs(v))
      default: return .null
      }
    case .sign:
      switch x {
      case .int(let v): return .int(v.signum())
      case .double(let v): return v.isNaN ? .null : .int(v > 0 ? 1 : v < 0 ? -1 : 0)
      default: return .null
      }
    case .round:
      var digits: Int64 = 0
      if args.count > 1 {
        switch args[1] {
        case .int(let n): digits = n
        case .double(let d) where d.isFinite && d == d.rounded():
          digits = Int64(Swift.max(-400, Swift.min(400, d)))
        default: return .null
        }
      }
      return Self.round(x, digits: digits)
    case .floor, .ceil:
      switch x {
      case .int: return x
      case .double(let v): return .double(v.rounded(self == .floor ? .down : .up))
      default: return .null
      }
    case .sqrt:
      guard let v = x.numeric, v >= 0 else { return .null }
      return .double(v.squareRoot())
    case .ln, .log10:
      guard let v = x.numeric, v > 0 else { return .null }
      return Self.real(self == .ln ? CMath.naturalLog(v) : CMath.commonLog(v), from: [v])
    case .exp:
      guard let v = x.numeric else { return .null }
      return Self.real(CMath.exponential(v), from: [v])
    case .power:
      guard let base = x.numeric, let exponent = args[1].numeric else { return .null }
      return Self.real(CMath.power(base, exponent), from: [base, exponent])
    default:
      return .null
    }
  }

  /// `result` as a DOUBLE, or NULL when finite inputs gave NaN or infinity.
  private static func real(_ result: Double, from inputs: [Double]) -> Value {
    if !result.isFinite && inputs.allSatisfy(\.isFinite) { return .null }
    return .double(result)
  }

  /// `round(x, digits)`, halves away from zero (`round(2.5)` is 3, `round(-2.5)` is -3).
  ///
  /// A BIGINT stays a BIGINT (`round(1250, -2)` is 1300; NULL if that overflows). A DOUBLE is
  /// scaled by 10^digits, rounded and scaled back, as DuckDB does, so a binary fraction just
  /// below a half (`2.675`) rounds down; when scaling overflows, the input is returned.
  static func round(_ x: Value, digits: Int64) -> Value {
    switch x {
    case .int(let v):
      guard digits < 0 else { return x }
      guard digits > -19 else { return .int(0) }
      var unit: Int64 = 1
      for _ in 0..<(-digits) { unit *= 10 }
      let remainder = v % unit
      var down = v - remainder
      if Swift.abs(remainder) * 2 >= unit {
        let (r, overflow) = down.addingReportingOverflow(v < 0 ? -unit : unit)
        if overflow { return .null }
        down = r
      }
      return .int(down)
    case .double(let v):
      guard v.isFinite else { return x }
      if digits == 0 { return .double(v.rounded(.toNearestOrAwayFromZero)) }
      let scale = CMath.power(10, Double(digits))
      let scaled = v * scale
      guard scaled.isFinite, scale.isFinite, scale != 0 else { return x }
      let result = scaled.rounded(.toNearestOrAwayFromZero) / scale
      return .double(result.isFinite ? result : v)
    default:
      return .null
    }
  }
}

/// The C library's math functions under names that the `ScalarFunction` cases (`exp`, `ln`,
/// `power`, ...) do not shadow.
enum CMath {
  static func naturalLog(_ x: Double) -> Double { log(x) }
  static func commonLog(_ x: Double) -> Double { log10(x) }
  static func exponential(_ x: Double) -> Double { exp(x) }
  static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
}
