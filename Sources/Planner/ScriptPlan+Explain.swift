/// EXPLAIN: the operator DAG as indented text, sources first, then each query's pipeline from
/// sink down to scan.
extension ScriptPlan {
  public func explain() -> String {
    var out = ""
    for source in sources {
      let readers = queries.filter { $0.sourceID == source.id }.map { String($0.number) }
      let fields = source.fields.map { $0.isEmpty ? "*" : $0.dottedName }
      out += "Source #\(source.id) \(source.location) ndjson, read once"
      out += readers.count > 1 ? " for queries \(readers.joined(separator: ", "))\n" : "\n"
      out += "  extract: \(fields.isEmpty ? "(nothing)" : fields.joined(separator: ", "))\n"
      if !source.declaredTypes.isEmpty {
        out +=
          "  schema: "
          + source.declaredTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.rawValue)" }
          .joined(separator: ", ") + "\n"
      }
    }
    for query in queries {
      out += query.explain()
    }
    return out
  }
}

extension QueryPlan {
  /// This query's pipeline, outermost operator first.
  public func explain() -> String {
    var lines: [String] = []
    lines.append("Query \(number) -> \(sink)")
    let columns = zip(outputNames, projections).enumerated().map { i, pair in
      spread.indices.contains(i) && spread[i]
        ? "*" : (pair.0 == pair.1.description ? pair.0 : "\(pair.0) := \(pair.1)")
    }
    if mode == .aggregate {
      if limit != nil || !orderBy.isEmpty {
        lines.append(
          "TopN \(window == nil ? "" : "per window ")" + orderText
            + (limit.map { " limit \($0)" } ?? ""))
      }
      lines.append("Project \(columns.joined(separator: ", "))")
      if let having { lines.append("Having \(having)") }
      var agg = window.map { "WindowAggregate \($0)" } ?? "Aggregate (whole input)"
      if window != nil && !(window?.isCountBased ?? false) {
        agg += " grace=\(DurationText.format(graceMillis))"
      }
      agg += " emit=\(emit.rawValue)"
      lines.append(agg)
      lines.append(
        "  keys: \(groupKeys.isEmpty ? "(none)" : groupKeys.map(\.description).joined(separator: ", "))"
      )
      lines.append(
        "  aggregates: \(aggregates.isEmpty ? "(none)" : aggregates.map(\.description).joined(separator: ", "))"
      )
    } else {
      if let limit { lines.append("Limit \(limit)") }
      if !orderBy.isEmpty { lines.append("Sort \(orderText) (at end of input)") }
      if distinct { lines.append("Distinct") }
      lines.append("Project \(columns.joined(separator: ", "))")
    }
    if let filter { lines.append("Filter \(filter)") }

    if sourceID != nil {
      if let eventTime {
        lines.append("Watermark max(event time) - \(DurationText.format(graceMillis))")
        // Dropped repeats never reach the watermark.
        if let dedupe {
          lines.append(
            "Deduplicate key=\(dedupe.key) within=\(DurationText.format(dedupe.withinMillis)) by \(dedupe.time)"
          )
        }
        lines.append("EventTime \(eventTime)")
      } else if mode == .aggregate && !(window?.isCountBased ?? true) {
        lines.append("ProcessingTime (wall clock at arrival)")
      }
      lines.append("Scan source #\(sourceID!)")
    } else {
      lines.append("Values (one row)")
    }
    var out = ""
    var depth = 0
    for line in lines {
      if line.hasPrefix("  ") {
        out += String(repeating: "  ", count: depth) + line + "\n"
        continue
      }
      out += String(repeating: "  ", count: depth) + (depth == 0 ? "" : "└─ ") + line + "\n"
      depth += 1
    }
    return out
  }

  private var orderText: String {
    orderBy.map { "\($0.expr)\($0.descending ? " DESC" : "")" }.joined(separator: ", ")
  }
}
