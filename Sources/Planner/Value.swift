/// One SQL value on the row-at-a-time path (expressions, group keys, output).
///
/// Timestamps are milliseconds since the Unix epoch, UTC; intervals are milliseconds. A JSON
/// object or array that a query passes through untouched is kept as its raw text.
public enum Value: Sendable, Hashable, CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case timestamp(Int64)
  case interval(Int64)
  case json(String)

  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// The value as a double when it is a number (BIGINT or DOUBLE), else nil.
  @inlinable public var numeric: Double? {
    switch self {
    case .int(let v): return Double(v)
    case .double(let v): return v
    default: return nil
    }
  }

  public var dataType: DataType {
    switch self {
    case .null: return .null
    case .bool: return .boolean
    case .int: return .bigint
    case .double: return .double
    case .string: return .varchar
    case .timestamp: return .timestamp
    case .interval: return .interval
    case .json: return .json
    }
  }

  /// A readable rendering for messages and EXPLAIN; output formats have their own encoders.
  public var description: String {
    switch self {
    case .null: return "NULL"
    case .bool(let b): return b ? "TRUE" : "FALSE"
    case .int(let v): return String(v)
    case .double(let v): return String(v)
    case .string(let s):
      return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")
        + "'"
    case .timestamp(let ms): return Timestamp.format(ms)
    case .interval(let ms): return "INTERVAL '\(ms) milliseconds'"
    case .json(let text): return text
    }
  }
}

/// The static type of an expression, as far as the binder can tell.
public enum DataType: String, Sendable, Hashable, CustomStringConvertible {
  case null = "NULL"
  case boolean = "BOOLEAN"
  case bigint = "BIGINT"
  case double = "DOUBLE"
  case varchar = "VARCHAR"
  case timestamp = "TIMESTAMP"
  case interval = "INTERVAL"
  case json = "JSON"
  /// A field read from input: its type is only known per row.
  case any = "ANY"

  public var description: String { rawValue }

  public var isNumeric: Bool { self == .bigint || self == .double }
}

/// One step of a path into a JSON object: `device.os` is `[.key("device"), .key("os")]`,
/// `tags[0]` is `[.key("tags"), .index(0)]`.
public enum PathStep: Sendable, Hashable, CustomStringConvertible {
  case key(String)
  case index(Int)

  public var description: String {
    switch self {
    case .key(let k): return k
    case .index(let i): return "[\(i)]"
    }
  }
}

/// A path from the top of an input row to a field.
public typealias FieldPath = [PathStep]

extension Array where Element == PathStep {
  /// `device.os`, `tags[0]`, `payload["odd-key"]`.
  public var dottedName: String {
    var out = ""
    for step in self {
      switch step {
      case .key(let k):
        let plain =
          !k.isEmpty
          && k.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9")
              || $0 == "_"
          }
        if plain {
          out += out.isEmpty ? k : "." + k
        } else {
          out += out.isEmpty ? "\"\(k)\"" : "[\"\(k)\"]"
        }
      case .index(let i): out += "[\(i)]"
      }
    }
    return out
  }
}
