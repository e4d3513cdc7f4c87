import CSQLite
import Planner

/// `INSERT INTO 'sqlite:///path.db?table=name' SELECT ...`: a query's result kept as a SQLite
/// table that other programs query while streamsql runs (issue 5, the serving layer).
///
/// The table is created on the first row, its columns named as the query's output fields and
/// typed from that row (INTEGER, REAL, TEXT; timestamps ISO-8601 TEXT, JSON TEXT), with a UNIQUE
/// index on the upsert key: the window bounds and group keys (`QueryPlan.upsertKeyColumns`). An
/// existing table is reused when its columns are the query's.
///
/// Rows are upserted by that key, so EMIT CHANGES leaves the table equal to the EMIT FINAL
/// result and replaying the same input writes no duplicates; a changelog `-D` deletes the row and
/// `-U` is skipped (its `+U` follows). A query without aggregation has no key: its rows are
/// inserted. An aggregate without window or GROUP BY keeps its one row.
///
/// The upsert is `UPDATE ... WHERE k IS ?` and, when no row changed, `INSERT`, rather than
/// `INSERT ... ON CONFLICT DO UPDATE`: a NULL group key is a group of its own in SQL's GROUP BY,
/// but never conflicts in a UNIQUE index, so ON CONFLICT would insert it again on every change.
final class SQLiteTableSink {
  let database: SQLiteDatabase
  let table: String
  private let columns: [String]
  /// Output positions of the key columns; nil: insert only; empty: a single-row table.
  private let keyColumns: [Int]?
  private var created = false
  private var upsert: SQLiteStatement?
  private var insert: SQLiteStatement?
  private var delete: SQLiteStatement?

  var name: String { "sqlite://\(database.path)?table=\(table)" }

  init(database: SQLiteDatabase, table: String, columns: [String], keyColumns: [Int]?)
    throws(RunError)
  {
    self.database = database
    self.table = table
    self.columns = columns
    self.keyColumns = keyColumns
    let existing = try database.query("PRAGMA table_info(\(SQLiteDatabase.quote(table)))").map {
      row -> String in
      if case .string(let name) = row[1] { return name }
      return ""
    }
    if !existing.isEmpty {
      guard existing == columns else {
        throw RunError(
          "SQLite table \(table) in '\(database.path)' has columns (\(existing.joined(separator: ", "))), "
            + "but the query writes (\(columns.joined(separator: ", "))); drop the table or write to another one"
        )
      }
      try prepareStatements()
      created = true
    }
  }

  /// Applies one output row; `op` is the changelog operation of EMIT CHANGES, nil otherwise.
  func write(_ row: [Value], op: String?) throws(RunError) {
    if op == "-U" { return }
    try database.write { () throws(RunError) in
      if !created { try create(firstRow: row) }
      if op == "-D" {
        guard let delete else { return }
        try bindAndRun(delete, row)
        return
      }
      if let upsert {
        try bindAndRun(upsert, row)
        if upsert.changes > 0 || insert == nil { return }
      } else if let delete, keyColumns?.isEmpty == true {
        // The single row of an aggregate over the whole input: replace it.
        try bindAndRun(delete, row)
      }
      if let insert { try bindAndRun(insert, row) }
    }
  }

  private func bindAndRun(_ statement: SQLiteStatement, _ row: [Value]) throws(RunError) {
    let count = Int(sqlite3_bind_parameter_count(statement.pointer))
    for (i, value) in row.prefix(count).enumerated() { statement.bind(value, at: Int32(i + 1)) }
    try statement.run()
  }

  /// CREATE TABLE and the key's UNIQUE index, typed from the first row.
  private func create(firstRow: [Value]) throws(RunError) {
    let definitions = columns.enumerated().map { i, name in
      let type = i < firstRow.count ? SQLiteTableSink.columnType(firstRow[i]) : ""
      return SQLiteDatabase.quote(name) + (type.isEmpty ? "" : " " + type)
    }
    try database.execute(
      "CREATE TABLE IF NOT EXISTS \(SQLiteDatabase.quote(table)) (\(definitions.joined(separator: ", ")))"
    )
    if let keys = keyColumns, !keys.isEmpty {
      let index = SQLiteDatabase.quote(table + "_key")
      let keyList = keys.map { SQLiteDatabase.quote(columns[$0]) }.joined(separator: ", ")
      try database.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS \(index) ON \(SQLiteDatabase.quote(table)) (\(keyList))")
    }
    try prepareStatements()
    created = true
  }

  /// Statements take the row's values as ?1...?n in output order, so each binds the row as is.
  private func prepareStatements() throws(RunError) {
    let t = SQLiteDatabase.quote(table)
    let names = columns.map(SQLiteDatabase.quote)
    let values = columns.indices.map { "?\($0 + 1)" }.joined(separator: ", ")
    guard let keys = keyColumns else {
      insert = try database.prepare(
        "INSERT INTO \(t) (\(names.joined(separator: ", "))) VALUES (\(values))")
      return
    }
    if keys.isEmpty {
      delete = try database.prepare("DELETE FROM \(t)")
      insert = try database.prepare(
        "INSERT INTO \(t) (\(names.joined(separator: ", "))) VALUES (\(values))")
      return
    }
    let match = keys.map { "\(names[$0]) IS ?\($0 + 1)" }.joined(separator: " AND ")
    delete = try database.prepare("DELETE FROM \(t) WHERE \(match)")
    let others = columns.indices.filter { !keys.contains($0) }
    if others.isEmpty {
      // Every column is key: a row is there or not.
      insert = try database.prepare(
        "INSERT INTO \(t) (\(names.joined(separator: ", "))) SELECT \(values) WHERE NOT EXISTS (SELECT 1 FROM \(t) WHERE \(match))"
      )
    } else {
      let set = others.map { "\(names[$0]) = ?\($0 + 1)" }.joined(separator: ", ")
      upsert = try database.prepare("UPDATE \(t) SET \(set) WHERE \(match)")
      insert = try database.prepare(
        "INSERT INTO \(t) (\(names.joined(separator: ", "))) VALUES (\(values))")
    }
  }

  static func columnType(_ value: Value) -> String {
    switch value {
    case .null: return ""
    case .bool, .int, .interval: return "INTEGER"
    case .double: return "REAL"
    case .string, .json, .timestamp: return "TEXT"
    }
  }
}
