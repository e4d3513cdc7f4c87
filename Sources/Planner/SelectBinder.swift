import SQLParser

/// Binds one SELECT into a `QueryPlan`: resolves its source, names, group keys, aggregates,
/// window and output names (SPEC 3, 5, 6).
struct SelectBinder {
  /// What a FROM clause resolved to.
  struct ResolvedSource {
    var location: SourceLocation?
    var scope: Scope
    var eventTime: BoundExpr?
    var filter: BoundExpr?
    /// The stream's `dedupe_key`, bound (views inherit their source's).
    var dedupe: DedupePlan?
  }

  let catalog: StreamCatalog
  /// Returns the id and field allocator of the source at a location, registering it once.
  let source: (SourceLocation, [ColumnDefinition]) -> (id: Int, fields: FieldAllocator)

  // MARK: FROM

  func resolve(_ from: FromClause?, depth: Int = 0) throws(Diagnostic) -> ResolvedSource {
    guard let from else {
      return ResolvedSource(
        location: nil, scope: Scope(fields: FieldAllocator(), qualifiers: [], hasSource: false))
    }
    var qualifiers: Set<String> = []
    if let alias = from.alias { qualifiers.insert(alias.lowercased()) }
    var resolved: ResolvedSource
    switch from.source {
    case .stdin:
      qualifiers.insert("stdin")
      let s = source(.commandLine, [])
      resolved = ResolvedSource(
        location: .commandLine, scope: Scope(fields: s.fields, qualifiers: qualifiers))
    case .path(let path):
      if KafkaURL.isKafka(path) { _ = try KafkaURL.parse(path, role: .source, span: from.span) }
      let s = source(.path(path), [])
      resolved = ResolvedSource(
        location: .path(path), scope: Scope(fields: s.fields, qualifiers: qualifiers))
    case .stream(let name):
      qualifiers.insert(name.lowercased())
      guard let entry = catalog.lookup(name) else {
        throw Diagnostic(
          "unknown stream '\(name)'", span: from.span,
          note: Scope.suggest(name, among: catalog.entries.map(\.name) + ["stdin"])
            ?? "declare it with CREATE STREAM, or read the command line's input with FROM stdin")
      }
      switch entry.kind {
      case .source(let location):
        let s = source(location, entry.columns)
        let scope = Scope(fields: s.fields, qualifiers: qualifiers, declared: entry.columns)
        resolved = ResolvedSource(location: location, scope: scope)
        if let ts = entry.timestamp {
          resolved.eventTime = try ExpressionBinder(scope: scope).bind(ts)
        }
        resolved.dedupe = try bindDedupe(
          entry, scope: scope, eventTime: resolved.eventTime, span: from.span)
      case .view(let select):
        guard depth < 32 else { throw Diagnostic("streams defined in a cycle", span: from.span) }
        resolved = try resolveView(select, qualifiers: qualifiers, span: from.span, depth: depth)
      }
    }
    if let ts = from.timestampBy {
      resolved.eventTime = try ExpressionBinder(scope: resolved.scope).bind(ts)
    }
    return resolved
  }

  /// Inlines `CREATE STREAM v AS SELECT ... FROM base WHERE ...`: the view's columns become
  /// expressions over the base source and its filter joins the reader's.
  private func resolveView(
    _ select: SelectStatement, qualifiers: Set<String>, span: SourceSpan, depth: Int
  )
    throws(Diagnostic) -> ResolvedSource
  {
    if select.window != nil || !select.groupBy.isEmpty || select.having != nil || select.distinct
      || select.limit != nil || containsAggregate(select.items.map(\.expr))
    {
      throw Diagnostic(
        "reading a stream defined by an aggregating query is not supported yet; select from its source instead",
        span: span)
    }
    let base = try resolve(select.from, depth: depth + 1)
    let binder = ExpressionBinder(scope: base.scope)
    var items: [(name: String, expr: BoundExpr)] = []
    var passesThrough = false
    for (i, item) in select.items.enumerated() {
      if case .star = item.expr.kind {
        passesThrough = true
        continue
      }
      items.append((SelectBinder.outputName(item, position: i), try binder.bind(item.expr)))
    }
    var filter = base.filter
    if let w = select.whereClause {
      let f = try binder.bind(w)
      filter = filter.map { .binary(.and, $0, f) } ?? f
    }
    let view = Scope.View(items: items, passesThrough: passesThrough, base: base.scope)
    return ResolvedSource(
      location: base.location,
      scope: Scope(fields: base.scope.fields, qualifiers: qualifiers, view: view),
      eventTime: base.eventTime, filter: filter, dedupe: base.dedupe)
  }

  // MARK: SELECT

  func bind(_ select: SelectStatement, number: Int, label: String, sink: SinkPlan)
    throws(Diagnostic) -> QueryPlan
  {
    if let join = select.joins.first {
      throw Diagnostic("JOIN is not supported yet", span: join.span)
    }
    let from = try resolve(select.from)
    let scope = from.scope
    let rowBinder = ExpressionBinder(scope: scope)
    let sourceID = from.location.map { source($0, []).id }

    let hasAggregate = containsAggregate(
      select.items.map(\.expr) + (select.having.map { [$0] } ?? []))
    var groupBy = select.groupBy
    if select.distinct && !hasAggregate && groupBy.isEmpty && select.window != nil {
      groupBy = select.items.map(\.expr)
    }
    let aggregating = hasAggregate || !groupBy.isEmpty || select.window != nil
    var plan = QueryPlan(
      number: number, label: label, sourceID: sourceID, mode: aggregating ? .aggregate : .project,
      sink: sink)
    plan.eventTime = from.eventTime
    plan.dedupe = from.dedupe
    plan.filter = from.filter
    if let w = select.whereClause {
      let f = try rowBinder.bind(w)
      plan.filter = plan.filter.map { .binary(.and, $0, f) } ?? f
    }
    if let window = select.window {
      if !hasAggregate && groupBy.isEmpty {
        throw Diagnostic(
          "a windowed query needs GROUP BY or an aggregate function", span: window.span)
      }
      plan.window = SelectBinder.windowPlan(window)
      plan.graceMillis = window.graceMillis ?? 0
      if !(plan.window?.isCountBased ?? false) && select.from == nil {
        throw Diagnostic("a window needs a FROM clause", span: window.span)
      }
    }
    plan.emit = select.emit ?? .final
    if select.from == nil && aggregating {
      throw Diagnostic("an aggregate needs a FROM clause", span: select.span)
    }

    var names: [String] = []
    if aggregating {
      try bindAggregating(select, groupBy: groupBy, scope: scope, into: &plan, names: &names)
    } else {
      if select.having != nil {
        throw Diagnostic(
          "HAVING needs GROUP BY or an aggregate function", span: select.having!.span)
      }
      for (i, item) in select.items.enumerated() {
        if case .star = item.expr.kind {
          guard scope.hasSource else {
            throw Diagnostic(
              "SELECT * needs a FROM clause", span: item.expr.span,
              note: "add FROM stdin to read the input")
          }
          for (name, expr, spread) in try expandStar(scope) {
            plan.projections.append(expr)
            plan.spread.append(spread)
            names.append(name)
          }
          continue
        }
        plan.projections.append(try rowBinder.bind(item.expr))
        plan.spread.append(false)
        names.append(SelectBinder.outputName(item, position: i))
      }
      plan.distinct = select.distinct
      plan.orderBy = try bindOrderBy(
        select, binder: rowBinder, names: names, projections: plan.projections)
    }
    plan.outputNames = SelectBinder.deduplicate(names)
    if let limit = select.limit {
      guard limit >= 0 else { throw Diagnostic("LIMIT must not be negative", span: select.span) }
      plan.limit = limit
    }
    return plan
  }

  private func bindAggregating(
    _ select: SelectStatement, groupBy: [Expr], scope: Scope, into plan: inout QueryPlan,
    names: inout [String]
  ) throws(Diagnostic) {
    let rowBinder = ExpressionBinder(scope: scope)
    var keys: [BoundExpr] = []
    for g in groupBy {
      let expr = try groupExpression(g, items: select.items)
      let bound = try rowBinder.bind(expr)
      if !keys.contains(bound) { keys.append(bound) }
    }
    let context = AggregationContext(groupKeys: keys, windowed: select.window != nil)
    var aliases: [String: Expr] = [:]
    for item in select.items {
      if let alias = item.alias { aliases[alias] = item.expr }
    }
    let selectBinder = ExpressionBinder(scope: scope, aggregation: context)
    var projections: [BoundExpr] = []
    var itemNames: [String] = []
    var namesWindowStart = false
    var namesWindowEnd = false
    for (i, item) in select.items.enumerated() {
      if case .star = item.expr.kind {
        throw Diagnostic(
          "'*' cannot be selected in an aggregating query; name the columns", span: item.expr.span)
      }
      let bound = try selectBinder.bind(item.expr)
      if bound == .slot(0, name: "window_start") { namesWindowStart = true }
      if bound == .slot(1, name: "window_end") { namesWindowEnd = true }
      projections.append(bound)
      itemNames.append(SelectBinder.outputName(item, position: i))
    }
    if select.window != nil {
      if !namesWindowEnd {
        projections.insert(.slot(1, name: "window_end"), at: 0)
        itemNames.insert("window_end", at: 0)
      }
      if !namesWindowStart {
        projections.insert(.slot(0, name: "window_start"), at: 0)
        itemNames.insert("window_start", at: 0)
      }
    }
    let postBinder = ExpressionBinder(scope: scope, aggregation: context, aliases: aliases)
    if let having = select.having {
      plan.having = try postBinder.bind(having)
    }
    plan.orderBy = try bindOrderBy(
      select, binder: postBinder, names: itemNames, projections: projections)
    plan.groupKeys = keys
    plan.aggregates = context.aggregates
    plan.projections = projections
    plan.spread = Array(repeating: false, count: projections.count)
    names = itemNames
  }

  /// GROUP BY accepts an expression, an output alias, or a 1-based position in the select list.
  private func groupExpression(_ g: Expr, items: [SelectItem]) throws(Diagnostic) -> Expr {
    if case .literal(.integer(let n)) = g.kind {
      guard n >= 1 && n <= items.count else {
        throw Diagnostic(
          "GROUP BY position \(n) is not in the select list (1...\(items.count))", span: g.span)
      }
      return items[Int(n) - 1].expr
    }
    if case .identifier(let name, _) = g.kind, let item = items.first(where: { $0.alias == name }) {
      return item.expr
    }
    return g
  }

  private func bindOrderBy(
    _ select: SelectStatement, binder: ExpressionBinder, names: [String], projections: [BoundExpr]
  )
    throws(Diagnostic) -> [SortKey]
  {
    var keys: [SortKey] = []
    for item in select.orderBy {
      var expr: BoundExpr
      if case .literal(.integer(let n)) = item.expr.kind {
        guard n >= 1 && n <= projections.count else {
          throw Diagnostic("ORDER BY position \(n) is not in the select list", span: item.expr.span)
        }
        expr = projections[Int(n) - 1]
      } else if case .identifier(let name, _) = item.expr.kind, let i = names.firstIndex(of: name) {
        expr = projections[i]
      } else {
        expr = try binder.bind(item.expr)
      }
      keys.append(
        SortKey(
          expr: expr, descending: item.descending, nullsFirst: item.nullsFirst ?? item.descending))
    }
    return keys
  }

  /// `*`: the whole row, spread into the output; over a view, the view's columns.
  /// A declared stream's `*` is its declared columns, converted to their types (as a table's
  /// is); a schemaless stream's `*` is the whole row as read, new fields included.
  private func expandStar(_ scope: Scope) throws(Diagnostic) -> [(String, BoundExpr, Bool)] {
    guard let view = scope.view else {
      if !scope.declared.isEmpty {
        var out: [(String, BoundExpr, Bool)] = []
        for column in scope.declared {
          out.append(
            (column.name, try scope.resolve([.key(column.name)], span: column.span), false))
        }
        return out
      }
      return [("*", scope.wholeRow(), true)]
    }
    var out: [(String, BoundExpr, Bool)] = []
    if view.passesThrough { out.append(("*", view.base.wholeRow(), true)) }
    for item in view.items { out.append((item.name, item.expr, false)) }
    return out
  }

  func containsAggregate(_ exprs: [Expr]) -> Bool {
    exprs.contains { SelectBinder.containsAggregate($0) }
  }

  static func containsAggregate(_ e: Expr) -> Bool {
    switch e.kind {
    case .function(let name, let args, _, _):
      return AggregateFunction.lookup(name) != nil || args.contains(where: containsAggregate)
    case .literal, .identifier, .star: return false
    case .member(let x, _), .unary(_, let x), .isNull(let x, _), .cast(let x, _, _, _),
      .extract(_, let x):
      return containsAggregate(x)
    case .subscript(let a, let b), .binary(_, let a, let b):
      return containsAggregate(a) || containsAggregate(b)
    case .between(let a, let b, let c, _): return [a, b, c].contains(where: containsAggregate)
    case .inList(let a, let list, _):
      return containsAggregate(a) || list.contains(where: containsAggregate)
    case .like(let a, let p, _, _, _): return containsAggregate(a) || containsAggregate(p)
    case .caseWhen(let o, let branches, let other):
      return (o.map(containsAggregate) ?? false) || (other.map(containsAggregate) ?? false)
        || branches.contains { containsAggregate($0.condition) || containsAggregate($0.result) }
    }
  }

  static func windowPlan(_ w: WindowSpec) -> WindowPlan {
    switch w.kind {
    case .tumbling(let s): return .tumbling(size: s)
    case .hopping(let s, let a): return a == s ? .tumbling(size: s) : .hopping(size: s, advance: a)
    case .sliding(let s): return .moving(size: s)
    case .session(let g): return .session(gap: g)
    case .tumblingRows(let n): return .countTumbling(rows: n)
    case .hoppingRows(let n, let a): return .countHopping(rows: n, advance: a)
    }
  }

  // MARK: Output names

  /// SPEC 3: the alias; else a field's last path component; else a function's name; else the
  /// expression's text.
  static func outputName(_ item: SelectItem, position: Int) -> String {
    if let alias = item.alias { return alias }
    switch item.expr.kind {
    case .identifier(let name, _): return name
    case .member(_, let name): return name
    case .subscript(_, let index):
      if case .literal(.string(let k)) = index.kind { return k }
    case .function(let name, _, _, _): return name.lowercased()
    case .extract: return "extract"
    default: break
    }
    return SQLPrinter.print(item.expr)
  }

  /// Duplicate names get `_2`, `_3`, ... suffixes.
  static func deduplicate(_ names: [String]) -> [String] {
    var seen: [String: Int] = [:]
    var taken = Set(names)
    var out: [String] = []
    for name in names {
      if let n = seen[name] {
        var k = n + 1
        while taken.contains("\(name)_\(k)") { k += 1 }
        seen[name] = k
        taken.insert("\(name)_\(k)")
        out.append("\(name)_\(k)")
      } else {
        seen[name] = 1
        out.append(name)
      }
    }
    return out
  }
}
