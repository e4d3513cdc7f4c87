import CSQLite
import Planner

/// A prepared SQLite statement, reused for every row: bind, step, reset.
///
/// Values map to SQLite's storage classes as a reader expects them: integers and booleans
/// INTEGER, doubles REAL, strings and JSON TEXT, timestamps ISO-8601 TEXT
/// (`2026-11-26T08:01:00.000Z`, which `datetime()`, `strftime()` and `julianday()` read), intervals
/// INTEGER milliseconds.
final class SQLiteStatement {
  let pointer: OpaquePointer
  private unowned let database: SQLiteDatabase

  init(_ pointer: OpaquePointer, database: SQLiteDatabase) {
    self.pointer = pointer
    self.database = database
  }

  deinit {
    sqlite3_finalize(pointer)
  }

  /// Binds `value` to parameter `index` (1-based).
  func bind(_ value: Value, at index: Int32) {
    switch value {
    case .null: sqlite3_bind_null(pointer, index)
    case .bool(let b): sqlite3_bind_int64(pointer, index, b ? 1 : 0)
    case .int(let v): sqlite3_bind_int64(pointer, index, v)
    case .double(let d): sqlite3_bind_double(pointer, index, d)
    case .string(let s), .json(let s): bindText(s, at: index)
    case .timestamp(let ms): bindText(Timestamp.format(ms), at: index)
    case .interval(let ms): sqlite3_bind_int64(pointer, index, ms)
    }
  }

  private func bindText(_ text: String, at index: Int32) {
    // The byte count (not strlen) keeps a string with an embedded NUL whole.
    _ = csqlite_bind_text_transient(pointer, index, text, Int32(text.utf8.count))
  }

  /// Runs the statement to completion (no rows expected) and resets it for the next binding.
  func run() throws(RunError) {
    let rc = sqlite3_step(pointer)
    sqlite3_reset(pointer)
    guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
      throw RunError("SQLite '\(database.path)': \(database.lastError)")
    }
  }

  /// Rows changed by the last `run()` of any statement on this connection.
  var changes: Int32 { sqlite3_changes(sqlite3_db_handle(pointer)) }

  /// Column `index` (0-based) of the current row.
  func column(_ index: Int32) -> Value {
    switch sqlite3_column_type(pointer, index) {
    case SQLITE_INTEGER: return .int(sqlite3_column_int64(pointer, index))
    case SQLITE_FLOAT: return .double(sqlite3_column_double(pointer, index))
    case SQLITE_NULL: return .null
    default:
      guard let text = sqlite3_column_text(pointer, index) else { return .null }
      return .string(String(cString: text))
    }
  }
}
