import SQLParser

extension SinkPlan {
  /// Reads the target of `INSERT INTO 'target'` (SPEC 7, issue 5): a file path, a SQLite table
  /// or a TCP peer. Only text is inspected here; the executor opens and connects.
  ///
  ///     INSERT INTO 'errors.ndjson' SELECT ...                      -- a file
  ///     INSERT INTO 'sqlite:///var/lib/metrics.db?table=per_minute' -- an absolute path
  ///     INSERT INTO 'sqlite://metrics.db?table=per_minute'          -- relative to the cwd
  ///     INSERT INTO 'tcp://127.0.0.1:9000' SELECT ...
  ///
  /// Everything after `sqlite://` up to `?` is the database path, so `sqlite:///tmp/m.db` names
  /// `/tmp/m.db`.
  public static func parse(target: String, span: SourceSpan) throws(Diagnostic) -> SinkPlan {
    guard target.contains("://") else { return .file(target) }
    if target.hasPrefix("sqlite://") {
      return try parseSQLite(
        String(target.dropFirst("sqlite://".count)), target: target, span: span)
    }
    if KafkaURL.isKafka(target) {
      return .kafka(try KafkaURL.parse(target, role: .sink, span: span))
    }
    if target.hasPrefix("tcp://") {
      return try parseTCP(String(target.dropFirst("tcp://".count)), target: target, span: span)
    }
    let scheme = target.prefix { $0 != ":" }
    throw Diagnostic(
      "cannot write to '\(scheme)://' targets", span: span,
      note:
        "INSERT INTO takes a file path, 'sqlite:///path.db?table=name', 'tcp://host:port' or 'kafka://host:port/topic'"
    )
  }

  private static func parseSQLite(_ rest: String, target: String, span: SourceSpan)
    throws(Diagnostic) -> SinkPlan
  {
    let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    let path = String(parts[0])
    guard !path.isEmpty else {
      throw Diagnostic(
        "'\(target)' names no database file", span: span,
        note: "e.g. 'sqlite:///tmp/metrics.db?table=per_minute'")
    }
    var table: String?
    if parts.count > 1 {
      for pair in parts[1].split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard kv.count == 2, kv[0] == "table" else {
          throw Diagnostic(
            "unknown SQLite option '\(pair)' in '\(target)'", span: span,
            note: "the only option is table=name")
        }
        table = String(kv[1])
      }
    }
    guard let table, !table.isEmpty else {
      throw Diagnostic(
        "'\(target)' names no table", span: span,
        note: "add ?table=name, e.g. '\(target.split(separator: "?")[0])?table=results'")
    }
    guard isIdentifier(table) else {
      throw Diagnostic(
        "table name '\(table)' is not an identifier (letters, digits and _, not starting with a digit)",
        span: span)
    }
    return .sqlite(path: path, table: table)
  }

  private static func parseTCP(_ rest: String, target: String, span: SourceSpan) throws(Diagnostic)
    -> SinkPlan
  {
    var hostPort = Substring(rest)
    if hostPort.hasSuffix("/") { hostPort = hostPort.dropLast() }
    guard let colon = hostPort.lastIndex(of: ":") else {
      throw Diagnostic("'\(target)' needs a port", span: span, note: "e.g. 'tcp://127.0.0.1:9000'")
    }
    var host = String(hostPort[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port)
    else {
      throw Diagnostic("'\(target)' has no valid port (1-65535)", span: span)
    }
    return .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: port)
  }

  static func isIdentifier(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first,
      first == "_" || (first.isASCII && first.properties.isAlphabetic)
    else {
      return false
    }
    return name.unicodeScalars.allSatisfy {
      $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
    }
  }
}

extension QueryPlan {
  /// The output columns that identify a result row for upserts: the window bounds and the group
  /// keys, as positions in `outputNames`. nil for a query without aggregation (its rows are
  /// events, inserted as they come); empty for an aggregate without window or GROUP BY (one row).
  ///
  /// A key slot projected twice counts once, at its first position. `missingKeys` names the
  /// group keys that are not selected, for which no upsert key can be built.
  public var upsertKeyColumns: [Int]? {
    guard mode == .aggregate else { return nil }
    var seen = Set<Int>()
    var columns: [Int] = []
    for (i, p) in projections.enumerated() {
      if case .slot(let slot, _) = p, slot < aggregateOffset,
        slot >= (window == nil ? QueryPlan.keyOffset : 0),
        seen.insert(slot).inserted
      {
        columns.append(i)
      }
    }
    return columns
  }

  /// Group keys (as SQL text) that no output column holds.
  public var missingKeys: [String] {
    guard mode == .aggregate else { return [] }
    var selected = Set<Int>()
    for p in projections {
      if case .slot(let slot, _) = p { selected.insert(slot) }
    }
    return groupKeys.indices.filter { !selected.contains(QueryPlan.keyOffset + $0) }.map {
      groupKeys[$0].description
    }
  }
}

extension ScriptPlanner {
  /// A SQLite table needs named columns and, for an aggregate, every group key among them (the
  /// rows are upserted by window and group). Checked after binding; on error the planner
  /// discards the statement.
  func checkTableQuery(_ query: QueryPlan, span: SourceSpan) throws(Diagnostic) {
    if query.spread.contains(true) {
      throw Diagnostic("a SQLite table needs named columns; list them instead of '*'", span: span)
    }
    let missing = query.missingKeys
    if !missing.isEmpty {
      throw Diagnostic(
        "GROUP BY key \(missing.joined(separator: ", ")) is not selected; a SQLite table is keyed by window and group columns",
        span: span, note: "add \(missing.joined(separator: ", ")) to the select list")
    }
  }
}
