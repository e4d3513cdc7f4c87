import Planner

/// The end of an aggregating query: HAVING, projection, ORDER BY and LIMIT per window, and the
/// upsert bookkeeping of EMIT CHANGES (SPEC 6).
final class ResultStage {
  private let having: CompiledExpr?
  private let projections: [CompiledExpr]
  private let sortKeys: [(expr: CompiledExpr, descending: Bool, nullsFirst: Bool)]
  private let limit: Int?
  private let emitsChanges: Bool
  private let changelog: Bool
  /// Width of the upsert key: window_start, window_end and the group keys.
  private let keyWidth: Int
  /// Last row printed per key (EMIT CHANGES), forgotten when its window closes.
  /// Internal, not private: QueryRunner+Checkpoint.swift saves and restores it.
  var printed: [[Value]: [Value]] = [:]
  var rowErrors = 0

  init(plan: QueryPlan, context: CompiledExpr.Context, changelog: Bool) {
    having = plan.having.map { CompiledExpr($0, context: context) }
    projections = plan.projections.map { CompiledExpr($0, context: context) }
    sortKeys = plan.orderBy.map {
      (CompiledExpr($0.expr, context: context), $0.descending, $0.nullsFirst)
    }
    limit = plan.limit.map { Int(clamping: $0) }
    emitsChanges = plan.emit == .changes
    self.changelog = changelog && plan.emit == .changes
    keyWidth = QueryPlan.keyOffset + plan.groupKeys.count
  }

  /// Turns what the operator emitted into output rows.
  func handle(_ groups: [Emitter.Group], output: QueryOutput) throws(RunError) {
    for group in groups {
      if emitsChanges {
        try handleChanges(group, output: output)
      } else {
        for row in finalRows(group.rows) { try output.write(row) }
      }
    }
  }

  /// HAVING, projection, then the window's top N.
  private func finalRows(_ rows: [[Value]]) -> [[Value]] {
    var kept: [(sort: [Value], out: [Value])] = []
    for row in rows {
      do throws(RowError) {
        let result = try row.withUnsafeBufferPointer {
          (r) throws(RowError) -> (sort: [Value], out: [Value])? in
          if let having, ValueOps.truthiness(try having.evaluate(r)) != true { return nil }
          var out: [Value] = []
          out.reserveCapacity(projections.count)
          for p in projections { out.append(try p.evaluate(r)) }
          var sort: [Value] = []
          for key in sortKeys { sort.append(try key.expr.evaluate(r)) }
          return (sort, out)
        }
        if let result { kept.append(result) }
      } catch {
        rowErrors += 1
      }
    }
    if !sortKeys.isEmpty {
      kept = ResultStage.stableSort(kept, keys: sortKeys.map { ($0.descending, $0.nullsFirst) })
    }
    if let limit, kept.count > limit { kept.removeLast(kept.count - limit) }
    return kept.map(\.out)
  }

  private func handleChanges(_ group: Emitter.Group, output: QueryOutput) throws(RunError) {
    for row in group.rows {
      let key = Array(row[0..<keyWidth])
      let out = finalRows([row]).first
      let previous = printed[key]
      guard let out else {
        if let previous, changelog { try output.write(previous, op: "-D") }
        printed[key] = nil
        continue
      }
      if previous == out { continue }
      if changelog {
        if let previous {
          try output.write(previous, op: "-U")
          try output.write(out, op: "+U")
        } else {
          try output.write(out, op: "+I")
        }
      } else {
        try output.write(out)
      }
      printed[key] = out
    }
    if group.isFinal {
      // The window closed. Time windows printed its rows as they changed; session, moving and
      // count windows only know a row when it closes, so it was printed just above. Either way
      // the key is done: forget it, so state stays bounded.
      for row in group.rows { printed[Array(row[0..<keyWidth])] = nil }
    }
  }

  /// ORDER BY with NULLs placed as asked and incomparable values in a fixed total order.
  static func stableSort<T>(
    _ items: [(sort: [Value], out: T)], keys: [(descending: Bool, nullsFirst: Bool)]
  )
    -> [(sort: [Value], out: T)]
  {
    let indexed = items.enumerated().map { ($0.offset, $0.element) }
    let sorted = indexed.sorted { a, b in
      for (k, key) in keys.enumerated() {
        let x = a.1.sort[k]
        let y = b.1.sort[k]
        if x.isNull || y.isNull {
          if x.isNull && y.isNull { continue }
          return x.isNull == key.nullsFirst
        }
        let c = compareForSort(x, y)
        if c != 0 { return key.descending ? c > 0 : c < 0 }
      }
      return a.0 < b.0
    }
    return sorted.map(\.1)
  }

  /// -1, 0, 1 for two non-NULL values; incomparable kinds fall back to a fixed total order.
  static func compareForSort(_ a: Value, _ b: Value) -> Int {
    if let c = ValueOps.compare(a, b) { return c < 0 ? -1 : (c > 0 ? 1 : 0) }
    if ValueOps.sqlTotalOrder(a, b) { return -1 }
    if ValueOps.sqlTotalOrder(b, a) { return 1 }
    return 0
  }
}
