import SQLParser

/// Compiles statements, one at a time, into one `ScriptPlan`: a DAG in which each source is
/// read once and feeds every query that uses it (SPEC 7).
///
/// The planner does no I/O: it decides what to read and compute; the executor does it. The REPL
/// keeps one planner per session so that declared streams persist between statements.
public struct ScriptPlanner {
  /// What a statement produced.
  public enum Outcome: Sendable {
    /// A continuous query, now `plan.queries[index]`.
    case query(index: Int)
    /// A catalog change (`CREATE STREAM`, `DROP STREAM`), with a confirmation message.
    case message(String)
    /// Rows computed at planning time (`SHOW STREAMS`, `DESCRIBE`).
    case table(columns: [String], rows: [[Value]])
    /// `EXPLAIN`: the plan of the inner statement as indented text.
    case explain(String)
  }

  public private(set) var catalog: StreamCatalog
  private var queries: [QueryPlan] = []
  private var sources:
    [(location: SourceLocation, fields: FieldAllocator, columns: [ColumnDefinition])] = []
  private var statementCount = 0

  public init(catalog: StreamCatalog = StreamCatalog()) {
    self.catalog = catalog
  }

  /// The plan so far: every source with the union of the fields its queries read.
  public var plan: ScriptPlan {
    var declared: [Int: [String: TypeName]] = [:]
    for (i, s) in sources.enumerated() {
      declared[i] = Dictionary(
        s.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    }
    let used = Set(queries.compactMap(\.sourceID))
    return ScriptPlan(
      sources: sources.enumerated().filter { used.contains($0.offset) }.map {
        SourcePlan(
          id: $0.offset, location: $0.element.location, fields: $0.element.fields.paths,
          declaredTypes: declared[$0.offset] ?? [:])
      },
      queries: queries)
  }

  /// Plans the statements of a script in order.
  public mutating func add(script: [Statement]) throws(Diagnostic) -> [Outcome] {
    var outcomes: [Outcome] = []
    for statement in script { outcomes.append(try add(statement)) }
    return outcomes
  }

  /// Plans one statement. On error nothing changes (no half-declared stream, no query).
  public mutating func add(_ statement: Statement) throws(Diagnostic) -> Outcome {
    var copy = self
    copy.sources = clonedSources()
    let outcome = try copy.apply(statement)
    self = copy
    return outcome
  }

  private mutating func apply(_ statement: Statement) throws(Diagnostic) -> Outcome {
    statementCount += 1
    switch statement.kind {
    case .select(let select):
      return .query(index: try addQuery(select, sink: .standardOutput))
    case .insert(let target, let select):
      guard !target.isEmpty else {
        throw Diagnostic("INSERT INTO needs a file path", span: statement.span)
      }
      let sink = try SinkPlan.parse(target: target, span: statement.span)
      let index = try addQuery(select, sink: sink)
      if case .sqlite = sink { try checkTableQuery(queries[index], span: statement.span) }
      if case .kafka = sink { try checkKafkaQuery(queries[index], span: statement.span) }
      return .query(index: index)
    case .createStream(let create):
      return .message(try createStream(create, statement: statement))
    case .dropStream(let name, let ifExists):
      guard catalog.lookup(name) != nil else {
        if ifExists { return .message("stream \(name) does not exist; nothing dropped") }
        throw Diagnostic(
          "unknown stream '\(name)'", span: statement.span,
          note: Scope.suggest(name, among: catalog.entries.map(\.name)))
      }
      let dependents = catalog.dependents(of: name)
      guard dependents.isEmpty else {
        throw Diagnostic(
          "stream '\(name)' is read by \(dependents.joined(separator: ", ")); drop those first",
          span: statement.span)
      }
      catalog.remove(name)
      return .message("dropped stream \(name)")
    case .showStreams:
      return .table(
        columns: ["name", "kind", "source", "timestamp"],
        rows: catalog.entries.map { entry in
          switch entry.kind {
          case .source(let location):
            return [
              .string(entry.name), .string("source"), .string(location.description),
              entry.timestamp.map { .string(SQLPrinter.print($0)) } ?? .null,
            ]
          case .view(let select):
            return [
              .string(entry.name), .string("view"),
              .string(SQLPrinter.print(Statement(.select(select)))), .null,
            ]
          }
        })
    case .describe(let name):
      return try describe(name, span: statement.span)
    case .explain(let inner):
      var scratch = ScriptPlanner(catalog: catalog)
      let outcome = try scratch.apply(inner)
      switch outcome {
      case .query:
        return .explain(scratch.plan.explain())
      case .message(let m): return .explain("catalog change: \(m)")
      case .table(let columns, _):
        return .explain("metadata query returning \(columns.joined(separator: ", "))")
      case .explain(let text): return .explain(text)
      }
    }
  }

  private mutating func addQuery(_ select: SelectStatement, sink: SinkPlan) throws(Diagnostic)
    -> Int
  {
    let number = statementCount
    let registry = SourceRegistry(sources)
    let binder = SelectBinder(catalog: catalog, source: { registry.source($0, $1) })
    let plan = try binder.bind(select, number: number, label: String(number), sink: sink)
    sources = registry.sources
    queries.append(plan)
    return queries.count - 1
  }

  private func clonedSources() -> [(
    location: SourceLocation, fields: FieldAllocator, columns: [ColumnDefinition]
  )] {
    sources.map { ($0.location, $0.fields.copy(), $0.columns) }
  }

  private mutating func createStream(_ create: CreateStream, statement: Statement)
    throws(Diagnostic) -> String
  {
    if catalog.lookup(create.name) != nil || create.name.lowercased() == "stdin" {
      throw Diagnostic("stream '\(create.name)' already exists", span: statement.span)
    }
    var seen = Set<String>()
    for column in create.columns where !seen.insert(column.name.lowercased()).inserted {
      throw Diagnostic("column '\(column.name)' is declared twice", span: column.span)
    }
    var location: SourceLocation?
    var timestamp: Expr?
    for option in create.options {
      switch option.key.lowercased() {
      case "source", "kafka_topic", "path":
        guard case .string(let text) = option.value else {
          throw Diagnostic("source must be a string", span: option.span)
        }
        if text == "stdin" || text == "-" {
          location = .commandLine
        } else {
          // A path, or a socket URL (tcp://, tcp-listen://, unix://) that the executor opens.
          if KafkaURL.isKafka(text) { _ = try KafkaURL.parse(text, role: .source, span: option.span) }
          location = .path(text)
        }
      case "format", "value_format":
        guard case .string(let f) = option.value,
          ["ndjson", "json", "jsonl"].contains(f.lowercased())
        else {
          throw Diagnostic("unsupported format; streamsql reads 'ndjson'", span: option.span)
        }
      case "timestamp":
        guard case .string(let text) = option.value else {
          throw Diagnostic(
            "timestamp must be a string holding an expression, e.g. timestamp = 'ts'",
            span: option.span)
        }
        do {
          timestamp = try Parser.parseExpression(text)
        } catch {
          throw Diagnostic(
            "timestamp '\(text)' is not an expression: \(error.message)", span: option.span)
        }
      case "dedupe_key", "dedupe_within":
        continue  // DedupeOptions.parse below
      default:
        let known = ["source", "format", "timestamp"] + DedupeOptions.names
        throw Diagnostic(
          "unknown stream option '\(option.key)'", span: option.span,
          note: Scope.suggest(option.key, among: known)
            ?? "known options: \(known.joined(separator: ", "))")
      }
    }
    if try DedupeOptions.parse(create.options, span: statement.span) != nil {
      guard create.query == nil else {
        throw Diagnostic(
          "dedupe_key goes on a stream with a source; a stream AS SELECT reads its source's deduplicated rows",
          span: statement.span)
      }
      guard timestamp != nil else {
        throw Diagnostic(
          "dedupe_within is a span of event time: the stream needs timestamp = 'field' too",
          span: statement.span)
      }
    }
    if let query = create.query {
      guard location == nil else {
        throw Diagnostic(
          "a stream defined AS SELECT reads its query's source; drop the source option",
          span: statement.span)
      }
      // Bind once to report errors now, not when the stream is first read; on copies of the
      // field lists, so a stream nothing reads extracts nothing.
      let registry = SourceRegistry(clonedSources())
      _ = try SelectBinder(catalog: catalog, source: { registry.source($0, $1) })
        .bind(query, number: 0, label: create.name, sink: .standardOutput)
      catalog.add(
        .init(
          name: create.name, kind: .view(query), columns: [], timestamp: timestamp,
          options: create.options,
          definition: SQLPrinter.print(statement)))
      return "created stream \(create.name) as a view"
    }
    catalog.add(
      .init(
        name: create.name, kind: .source(location ?? .commandLine), columns: create.columns,
        timestamp: timestamp, options: create.options, definition: SQLPrinter.print(statement)))
    return "created stream \(create.name)"
  }

  private func describe(_ name: String, span: SourceSpan) throws(Diagnostic) -> Outcome {
    guard let entry = catalog.lookup(name) else {
      throw Diagnostic(
        "unknown stream '\(name)'", span: span,
        note: Scope.suggest(name, among: catalog.entries.map(\.name)))
    }
    switch entry.kind {
    case .source:
      if entry.columns.isEmpty {
        return .table(
          columns: ["field", "type"],
          rows: [[.string("*"), .string("inferred from input (schemaless)")]])
      }
      return .table(
        columns: ["field", "type"],
        rows: entry.columns.map { [.string($0.name), .string($0.type.rawValue)] })
    case .view(let select):
      let registry = SourceRegistry(clonedSources())
      let plan = try SelectBinder(catalog: catalog, source: { registry.source($0, $1) })
        .bind(select, number: 0, label: name, sink: .standardOutput)
      return .table(
        columns: ["field", "type"], rows: plan.outputNames.map { [.string($0), .string("ANY")] })
    }
  }
}

/// The sources registered while one statement is bound; copied back into the planner when the
/// statement binds without error.
final class SourceRegistry {
  var sources: [(location: SourceLocation, fields: FieldAllocator, columns: [ColumnDefinition])]

  init(_ sources: [(location: SourceLocation, fields: FieldAllocator, columns: [ColumnDefinition])])
  {
    self.sources = sources
  }

  func source(_ location: SourceLocation, _ columns: [ColumnDefinition]) -> (
    id: Int, fields: FieldAllocator
  ) {
    if let i = sources.firstIndex(where: { $0.location == location }) {
      if sources[i].columns.isEmpty && !columns.isEmpty { sources[i].columns = columns }
      return (i, sources[i].fields)
    }
    sources.append((location, FieldAllocator(), columns))
    return (sources.count - 1, sources[sources.count - 1].fields)
  }
}
