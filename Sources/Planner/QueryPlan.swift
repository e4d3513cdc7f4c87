import SQLParser

/// Where a source's bytes come from. Resolved to files and descriptors by the executor.
public enum SourceLocation: Sendable, Hashable, CustomStringConvertible {
  /// The command line's input: stdin, or whatever `-i` names.
  case commandLine
  /// A file path or glob given in the query or a `source = '...'` option.
  case path(String)

  public var description: String {
    switch self {
    case .commandLine: return "stdin"
    case .path(let p): return "'\(p)'"
    }
  }
}

/// One input read once and shared by every query that uses it.
///
/// The scan extracts exactly `fields` (projection pushdown); slot `i` of a scanned row holds
/// the value at `fields[i]`. An empty path stands for the whole row (`SELECT *`).
public struct SourcePlan: Sendable, Equatable {
  public var id: Int
  public var location: SourceLocation
  public var fields: [FieldPath]
  /// Declared types of top-level columns (CREATE STREAM with a column list): rows are coerced.
  public var declaredTypes: [String: TypeName]

  public init(
    id: Int, location: SourceLocation, fields: [FieldPath] = [],
    declaredTypes: [String: TypeName] = [:]
  ) {
    self.id = id
    self.location = location
    self.fields = fields
    self.declaredTypes = declaredTypes
  }
}

/// The window of a windowed aggregate, durations in milliseconds.
public enum WindowPlan: Sendable, Equatable, CustomStringConvertible {
  case tumbling(size: Int64)
  case hopping(size: Int64, advance: Int64)
  /// The moving window of SPEC 5 (`SLIDING (SIZE d)` without ADVANCE).
  case moving(size: Int64)
  case session(gap: Int64)
  case countTumbling(rows: Int64)
  case countHopping(rows: Int64, advance: Int64)

  public var isCountBased: Bool {
    switch self {
    case .countTumbling, .countHopping: return true
    default: return false
    }
  }

  public var description: String {
    switch self {
    case .tumbling(let s): return "TUMBLING size=\(DurationText.format(s))"
    case .hopping(let s, let a):
      return "HOPPING size=\(DurationText.format(s)) advance=\(DurationText.format(a))"
    case .moving(let s): return "SLIDING (moving) size=\(DurationText.format(s))"
    case .session(let g): return "SESSION gap=\(DurationText.format(g))"
    case .countTumbling(let n): return "TUMBLING size=\(n) rows"
    case .countHopping(let n, let a): return "HOPPING size=\(n) rows advance=\(a) rows"
    }
  }
}

/// Millisecond durations as short text for EXPLAIN and messages.
public enum DurationText {
  public static func format(_ ms: Int64) -> String {
    if ms == 0 { return "0s" }
    if ms % Timestamp.millisPerDay == 0 { return "\(ms / Timestamp.millisPerDay)d" }
    if ms % Timestamp.millisPerHour == 0 { return "\(ms / Timestamp.millisPerHour)h" }
    if ms % Timestamp.millisPerMinute == 0 { return "\(ms / Timestamp.millisPerMinute)m" }
    if ms % 1000 == 0 { return "\(ms / 1000)s" }
    return "\(ms)ms"
  }
}

/// One ORDER BY key.
public struct SortKey: Sendable, Equatable {
  public var expr: BoundExpr
  public var descending: Bool
  /// Defaults as PostgreSQL and DuckDB: NULLs last ascending, first descending.
  public var nullsFirst: Bool
  public init(expr: BoundExpr, descending: Bool, nullsFirst: Bool) {
    self.expr = expr
    self.descending = descending
    self.nullsFirst = nullsFirst
  }
}

/// Where a query's rows go.
public enum SinkPlan: Sendable, Equatable, CustomStringConvertible {
  /// The command line's output (stdout or `-o`), in the command line's format.
  case standardOutput
  /// `INSERT INTO 'path'`: NDJSON, or CSV/TSV by the file's extension.
  case file(String)
  /// `INSERT INTO 'sqlite:///path.db?table=name'`: a table upserted by the query's key columns.
  case sqlite(path: String, table: String)
  /// `INSERT INTO 'tcp://host:port'`: NDJSON rows written to a connection.
  case tcp(host: String, port: Int)
  /// `INSERT INTO 'kafka://host:port/topic?key=col'`: rows as JSON messages to a Kafka topic.
  case kafka(KafkaURL)

  public var description: String {
    switch self {
    case .standardOutput: return "stdout"
    case .file(let p): return "'\(p)'"
    case .sqlite(let path, let table): return "sqlite '\(path)' table \(table)"
    case .tcp(let host, let port): return "tcp \(host):\(port)"
    case .kafka(let url): return "kafka \(url.brokers) topic \(url.topic)"
    }
  }
}

/// A bound, planned continuous query: scan → event time → filter → (window aggregate →
/// having → order/limit per window) → project → sink.
public struct QueryPlan: Sendable, Equatable {
  public enum Mode: Sendable, Equatable {
    /// Row at a time: filter and project, no state (but DISTINCT and LIMIT).
    case project
    /// Grouped aggregation, windowed or over the whole input.
    case aggregate
  }

  /// The statement's number in its script, 1-based.
  public var number: Int
  /// The value of the `"query"` field when several queries share stdout.
  public var label: String
  /// nil for a SELECT without FROM, which evaluates once.
  public var sourceID: Int?
  /// Event time over the scanned row; nil means processing time.
  public var eventTime: BoundExpr?
  /// Rows of the source dropped as repeats before the watermark and filter (`DedupePlan`).
  public var dedupe: DedupePlan? = nil
  public var filter: BoundExpr?
  public var mode: Mode
  public var window: WindowPlan?
  public var graceMillis: Int64
  /// Group keys over the scanned row.
  public var groupKeys: [BoundExpr]
  public var aggregates: [AggregateCall]
  /// Over the aggregate row in `.aggregate` mode: `window_start, window_end, keys..., aggregates...`.
  public var having: BoundExpr?
  /// Output expressions: over the scanned row in `.project` mode, the aggregate row otherwise.
  public var projections: [BoundExpr]
  public var outputNames: [String]
  /// Output columns that hold a whole JSON object whose members are spread (`SELECT *`).
  public var spread: [Bool]
  public var distinct: Bool
  /// Over the same row as `projections`.
  public var orderBy: [SortKey]
  public var limit: Int64?
  public var emit: EmitMode
  public var sink: SinkPlan

  public init(number: Int, label: String, sourceID: Int?, mode: Mode, sink: SinkPlan) {
    self.number = number
    self.label = label
    self.sourceID = sourceID
    self.eventTime = nil
    self.filter = nil
    self.mode = mode
    self.window = nil
    self.graceMillis = 0
    self.groupKeys = []
    self.aggregates = []
    self.having = nil
    self.projections = []
    self.outputNames = []
    self.spread = []
    self.distinct = false
    self.orderBy = []
    self.limit = nil
    self.emit = .final
    self.sink = sink
  }

  /// Offset of the first group key in the aggregate row (after window_start, window_end).
  public static let keyOffset = 2
  public var aggregateOffset: Int { QueryPlan.keyOffset + groupKeys.count }
}

/// Everything a script compiles to: the sources, read once each, and the queries over them.
public struct ScriptPlan: Sendable, Equatable {
  public var sources: [SourcePlan]
  public var queries: [QueryPlan]
  public init(sources: [SourcePlan] = [], queries: [QueryPlan] = []) {
    self.sources = sources
    self.queries = queries
  }
}
