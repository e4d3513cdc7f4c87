import SQLParser

extension SelectBinder {
  /// Binds a source stream's `dedupe_key` over the stream's scope, with the stream's own
  /// timestamp as the time the span is measured in (not a query's TIMESTAMP BY).
  func bindDedupe(
    _ entry: StreamCatalog.Entry, scope: Scope, eventTime: BoundExpr?, span: SourceSpan
  )
    throws(Diagnostic) -> DedupePlan?
  {
    guard let options = try DedupeOptions.parse(entry.options, span: span) else { return nil }
    guard let ts = entry.timestamp else {
      throw Diagnostic(
        "stream '\(entry.name)' deduplicates by event time but has no timestamp option", span: span)
    }
    let binder = ExpressionBinder(scope: scope)
    return DedupePlan(
      key: try binder.bind(options.key), time: try binder.bind(ts),
      withinMillis: options.withinMillis)
  }
}
