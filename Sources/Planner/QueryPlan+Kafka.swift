import SQLParser

extension QueryPlan {
  /// The output columns whose values make a Kafka message's key, as positions in
  /// `outputNames`: the sink's `key=` columns, else the window bounds and group keys of an
  /// aggregate (so each result of a group lands in one partition). nil: messages without key.
  public var kafkaKeyColumns: [Int]? {
    guard case .kafka(let url) = sink else { return nil }
    if let names = url.keyColumns {
      return names.compactMap { name in
        outputNames.indices.first { outputNames[$0] == name && !spread[$0] }
      }
    }
    guard let columns = upsertKeyColumns, !columns.isEmpty else { return nil }
    return columns
  }
}

extension ScriptPlanner {
  /// A Kafka sink's `key=` columns must be output columns of the query. Checked after
  /// binding; on error the planner discards the statement.
  func checkKafkaQuery(_ query: QueryPlan, span: SourceSpan) throws(Diagnostic) {
    guard case .kafka(let url) = query.sink, let names = url.keyColumns else { return }
    let named = Set(
      query.outputNames.indices.filter { !query.spread[$0] }.map { query.outputNames[$0] })
    for name in names where !named.contains(name) {
      throw Diagnostic(
        "key column '\(name)' is not an output column of the query", span: span,
        note: Scope.suggest(name, among: Array(named))
          ?? "the output columns are \(query.outputNames.filter { named.contains($0) }.joined(separator: ", "))"
      )
    }
  }
}
