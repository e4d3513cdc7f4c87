/// The aggregate functions of SPEC 6.
public enum AggregateFunction: String, Sendable, CaseIterable {
  case count
  case sum
  case avg
  case min
  case max
  case stddevSamp = "stddev_samp"
  case stddevPop = "stddev_pop"
  case varSamp = "var_samp"
  case varPop = "var_pop"
  case first
  case last
  case approxCountDistinct = "approx_count_distinct"
  case approxPercentile = "approx_percentile"
  case topK = "top_k"
  case collectList = "collect_list"

  /// Looks a function name up, accepting the usual aliases (`stddev`, `variance`, `mean`, ...).
  public static func lookup(_ name: String) -> AggregateFunction? {
    switch name.lowercased() {
    case "stddev": return .stddevSamp
    case "variance": return .varSamp
    case "mean": return .avg
    case "array_agg", "list": return .collectList
    case "earliest_by_offset", "first_value": return .first
    case "latest_by_offset", "last_value": return .last
    default: return AggregateFunction(rawValue: name.lowercased())
    }
  }

  /// Number of arguments (not counting `*`).
  public var arity: ClosedRange<Int> {
    switch self {
    case .count: return 0...1
    case .approxPercentile, .topK: return 2...2
    default: return 1...1
    }
  }

  public var resultType: DataType {
    switch self {
    case .count, .approxCountDistinct: return .bigint
    case .avg, .stddevSamp, .stddevPop, .varSamp, .varPop, .approxPercentile: return .double
    case .topK, .collectList: return .json
    case .sum, .min, .max, .first, .last: return .any
    }
  }
}

/// One aggregate in a query: `COUNT(DISTINCT user_id)`, `SUM(amount)`, `COUNT(*)`.
///
/// Arguments are bound against the scanned input row. Identical calls in the select list and
/// HAVING share one accumulator.
public struct AggregateCall: Sendable, Equatable, CustomStringConvertible {
  public var function: AggregateFunction
  /// Empty for `COUNT(*)`.
  public var arguments: [BoundExpr]
  public var distinct: Bool

  public init(function: AggregateFunction, arguments: [BoundExpr], distinct: Bool) {
    self.function = function
    self.arguments = arguments
    self.distinct = distinct
  }

  public var description: String {
    let args = arguments.isEmpty ? "*" : arguments.map(\.description).joined(separator: ", ")
    return "\(function.rawValue)(\(distinct ? "DISTINCT " : "")\(args))"
  }
}
