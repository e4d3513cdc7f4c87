/// A top-level statement of a query or a script.
public struct Statement: Sendable, Equatable, CustomStringConvertible {
  public var kind: Kind
  public var span: SourceSpan

  public init(_ kind: Kind, span: SourceSpan = .synthetic) {
    self.kind = kind
    self.span = span
  }

  public static func == (lhs: Statement, rhs: Statement) -> Bool { lhs.kind == rhs.kind }

  public var description: String { SQLPrinter.print(self) }

  public indirect enum Kind: Sendable, Equatable {
    /// `SELECT ...`
    case select(SelectStatement)
    /// `CREATE STREAM name [(col type, ...)] [WITH (key = value, ...)] [AS SELECT ...]`
    case createStream(CreateStream)
    /// `INSERT INTO 'target' SELECT ...`
    case insert(target: String, query: SelectStatement)
    /// `SHOW STREAMS`
    case showStreams
    /// `DESCRIBE name`
    case describe(name: String)
    /// `EXPLAIN statement`
    case explain(Statement)
    /// `DROP STREAM [IF EXISTS] name`
    case dropStream(name: String, ifExists: Bool)
  }
}

/// `SELECT [DISTINCT] items [FROM source [TIMESTAMP BY e]] [WINDOW ...] [WHERE c]
///  [GROUP BY ...] [HAVING c] [EMIT CHANGES|FINAL] [ORDER BY ...] [LIMIT n]`
public struct SelectStatement: Sendable, Equatable {
  public var distinct: Bool
  public var items: [SelectItem]
  public var from: FromClause?
  /// `JOIN ... ON ...` after FROM, in the order written (SPEC 8). Added after the first AST
  /// commit; empty unless the query joins.
  public var joins: [JoinClause]
  public var window: WindowSpec?
  public var whereClause: Expr?
  public var groupBy: [Expr]
  public var having: Expr?
  public var emit: EmitMode?
  public var orderBy: [OrderItem]
  public var limit: Int64?
  public var span: SourceSpan

  public init(
    distinct: Bool = false, items: [SelectItem], from: FromClause? = nil, window: WindowSpec? = nil,
    whereClause: Expr? = nil, groupBy: [Expr] = [], having: Expr? = nil, emit: EmitMode? = nil,
    orderBy: [OrderItem] = [], limit: Int64? = nil, span: SourceSpan = .synthetic,
    joins: [JoinClause] = []
  ) {
    self.joins = joins
    self.distinct = distinct
    self.items = items
    self.from = from
    self.window = window
    self.whereClause = whereClause
    self.groupBy = groupBy
    self.having = having
    self.emit = emit
    self.orderBy = orderBy
    self.limit = limit
    self.span = span
  }

  public static func == (lhs: SelectStatement, rhs: SelectStatement) -> Bool {
    lhs.distinct == rhs.distinct && lhs.items == rhs.items && lhs.from == rhs.from
      && lhs.joins == rhs.joins
      && lhs.window == rhs.window && lhs.whereClause == rhs.whereClause
      && lhs.groupBy == rhs.groupBy
      && lhs.having == rhs.having && lhs.emit == rhs.emit && lhs.orderBy == rhs.orderBy
      && lhs.limit == rhs.limit
  }
}

/// One entry of a select list: `expr [AS alias]`, or `*`.
public struct SelectItem: Sendable, Equatable {
  public var expr: Expr
  public var alias: String?
  public init(expr: Expr, alias: String? = nil) {
    self.expr = expr
    self.alias = alias
  }
}

/// `FROM stdin | 'path/or/glob' | stream [AS alias] [TIMESTAMP BY expr]`
public struct FromClause: Sendable, Equatable {
  public enum Source: Sendable, Equatable {
    /// The command line's input (stdin or `-i`).
    case stdin
    /// A quoted file path or glob.
    case path(String)
    /// A stream declared with CREATE STREAM.
    case stream(String)
  }
  public var source: Source
  public var alias: String?
  public var timestampBy: Expr?
  public var span: SourceSpan

  public init(
    source: Source, alias: String? = nil, timestampBy: Expr? = nil, span: SourceSpan = .synthetic
  ) {
    self.source = source
    self.alias = alias
    self.timestampBy = timestampBy
    self.span = span
  }

  public static func == (lhs: FromClause, rhs: FromClause) -> Bool {
    lhs.source == rhs.source && lhs.alias == rhs.alias && lhs.timestampBy == rhs.timestampBy
  }
}

/// `[INNER | LEFT [OUTER]] JOIN source [[AS] alias] [TIMESTAMP BY e] ON condition` (SPEC 8).
///
///     FROM clicks c JOIN 'users.ndjson' AS u ON c.user_id = u.id
///     FROM a LEFT JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '5' MINUTE
public struct JoinClause: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable {
    case inner = "INNER"
    case left = "LEFT"
  }
  public var kind: Kind
  /// The joined source, with its alias and event time.
  public var right: FromClause
  /// The ON condition.
  public var condition: Expr
  public var span: SourceSpan

  public init(kind: Kind, right: FromClause, condition: Expr, span: SourceSpan = .synthetic) {
    self.kind = kind
    self.right = right
    self.condition = condition
    self.span = span
  }

  public static func == (lhs: JoinClause, rhs: JoinClause) -> Bool {
    lhs.kind == rhs.kind && lhs.right == rhs.right && lhs.condition == rhs.condition
  }
}

/// The WINDOW clause. Durations are normalised to milliseconds.
public struct WindowSpec: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// `TUMBLING (SIZE d)`
    case tumbling(sizeMillis: Int64)
    /// `HOPPING (SIZE d, ADVANCE BY a)` or `SLIDING (SIZE d, ADVANCE BY a)`
    case hopping(sizeMillis: Int64, advanceMillis: Int64)
    /// `SLIDING (SIZE d)` — the moving window of SPEC 5.
    case sliding(sizeMillis: Int64)
    /// `SESSION (GAP g)`
    case session(gapMillis: Int64)
    /// `TUMBLING (SIZE n ROWS)`
    case tumblingRows(Int64)
    /// `SLIDING (SIZE n ROWS, ADVANCE BY m ROWS)` (also HOPPING)
    case hoppingRows(size: Int64, advance: Int64)
  }
  public var kind: Kind
  /// `GRACE PERIOD d`, inside or after the parentheses.
  public var graceMillis: Int64?
  public var span: SourceSpan

  public init(kind: Kind, graceMillis: Int64? = nil, span: SourceSpan = .synthetic) {
    self.kind = kind
    self.graceMillis = graceMillis
    self.span = span
  }

  public static func == (lhs: WindowSpec, rhs: WindowSpec) -> Bool {
    lhs.kind == rhs.kind && lhs.graceMillis == rhs.graceMillis
  }
}

public enum EmitMode: String, Sendable, Equatable {
  case changes = "CHANGES"
  case final = "FINAL"
}

/// `expr [ASC|DESC] [NULLS FIRST|LAST]`
public struct OrderItem: Sendable, Equatable {
  public var expr: Expr
  public var descending: Bool
  public var nullsFirst: Bool?
  public init(expr: Expr, descending: Bool = false, nullsFirst: Bool? = nil) {
    self.expr = expr
    self.descending = descending
    self.nullsFirst = nullsFirst
  }
}

/// `CREATE STREAM name [(col type, ...)] [WITH (k = v, ...)] [AS SELECT ...]`
public struct CreateStream: Sendable, Equatable {
  public var name: String
  public var columns: [ColumnDefinition]
  /// Options in the order written; keys lowercased (`source`, `format`, `timestamp`, ...).
  public var options: [StreamOption]
  public var query: SelectStatement?
  public var span: SourceSpan

  public init(
    name: String, columns: [ColumnDefinition] = [], options: [StreamOption] = [],
    query: SelectStatement? = nil, span: SourceSpan = .synthetic
  ) {
    self.name = name
    self.columns = columns
    self.options = options
    self.query = query
    self.span = span
  }

  public static func == (lhs: CreateStream, rhs: CreateStream) -> Bool {
    lhs.name == rhs.name && lhs.columns == rhs.columns && lhs.options == rhs.options
      && lhs.query == rhs.query
  }
}

public struct ColumnDefinition: Sendable, Equatable {
  public var name: String
  public var type: TypeName
  public var span: SourceSpan
  public init(name: String, type: TypeName, span: SourceSpan = .synthetic) {
    self.name = name
    self.type = type
    self.span = span
  }
  public static func == (lhs: ColumnDefinition, rhs: ColumnDefinition) -> Bool {
    lhs.name == rhs.name && lhs.type == rhs.type
  }
}

/// `key = 'value'` in a WITH list. Values are literals (strings, numbers, booleans).
public struct StreamOption: Sendable, Equatable {
  public var key: String
  public var value: Literal
  public var span: SourceSpan
  public init(key: String, value: Literal, span: SourceSpan = .synthetic) {
    self.key = key
    self.value = value
    self.span = span
  }
  public static func == (lhs: StreamOption, rhs: StreamOption) -> Bool {
    lhs.key == rhs.key && lhs.value == rhs.value
  }
}
