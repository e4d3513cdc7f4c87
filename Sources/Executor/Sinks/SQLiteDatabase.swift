import CSQLite
import Planner

/// One connection to a SQLite database file, shared by every table sink that writes to it, and
/// the write transaction they batch their rows in.
///
/// SQLite allows one writer at a time, so two sinks on the same file must share a connection
/// (two connections would each hold a write transaction and lock each other out). The file is
/// put in WAL mode so that other programs can read the tables while streamsql writes.
///
/// Rows are written inside one transaction that `commit()` ends: the runner commits whenever the
/// input would block (like flushing a file) and a sink commits every `rowsPerCommit` rows, so a
/// reader sees results promptly and the journal stays small.
final class SQLiteDatabase {
  let path: String
  private var handle: OpaquePointer?
  private var inTransaction = false
  private var rowsInTransaction = 0
  /// Time spent inside SQLite (writes and commits), microseconds: time the input waited.
  private(set) var blockedMicros: Int64 = 0

  static let rowsPerCommit = 10_000

  /// Opens or creates the database file and switches it to WAL mode. `durable` (`--checkpoint`)
  /// syncs the WAL at every commit, so that a commit made before a checkpoint survives a power
  /// loss as the checkpoint does.
  init(path: String, durable: Bool = false) throws(RunError) {
    self.path = path
    var db: OpaquePointer?
    let rc = sqlite3_open_v2(
      path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
    handle = db
    guard rc == SQLITE_OK else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(db)
      handle = nil
      throw RunError("cannot open SQLite database '\(path)': \(message)")
    }
    // A reader's checkpoint may hold a lock briefly; wait for it rather than fail.
    sqlite3_busy_timeout(db, 10_000)
    let mode = try query("PRAGMA journal_mode=WAL").first?.first
    guard case .string(let m)? = mode, m.lowercased() == "wal" else {
      throw RunError(
        "cannot put SQLite database '\(path)' in WAL mode (got \(mode?.description ?? "nothing"))")
    }
    // WAL with synchronous=NORMAL is durable at checkpoints and safe against corruption.
    try execute(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")
  }

  deinit {
    if let handle { sqlite3_close_v2(handle) }
  }

  var lastError: String {
    handle.map { String(cString: sqlite3_errmsg($0)) } ?? "database is closed"
  }

  /// Runs statements that return no rows.
  func execute(_ sql: String) throws(RunError) {
    var message: UnsafeMutablePointer<CChar>?
    let rc = sqlite3_exec(handle, sql, nil, nil, &message)
    if rc != SQLITE_OK {
      let text = message.map { String(cString: $0) } ?? lastError
      sqlite3_free(message)
      throw RunError("SQLite '\(path)': \(text) (in: \(sql))")
    }
  }

  /// Runs one statement and returns its rows (for schema queries; not on the write path).
  func query(_ sql: String) throws(RunError) -> [[Value]] {
    let statement = try prepare(sql)
    var rows: [[Value]] = []
    while true {
      let rc = sqlite3_step(statement.pointer)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else { throw RunError("SQLite '\(path)': \(lastError) (in: \(sql))") }
      rows.append((0..<sqlite3_column_count(statement.pointer)).map { statement.column($0) })
    }
    return rows
  }

  func prepare(_ sql: String) throws(RunError) -> SQLiteStatement {
    var pointer: OpaquePointer?
    guard
      sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        == SQLITE_OK, let pointer
    else {
      throw RunError("SQLite '\(path)': \(lastError) (in: \(sql))")
    }
    return SQLiteStatement(pointer, database: self)
  }

  /// Runs `body` inside the open write transaction, beginning one if needed, and counts the
  /// time as blocked. Commits once `rowsPerCommit` rows were written in it.
  func write(_ body: () throws(RunError) -> Void) throws(RunError) {
    let started = Clock.monotonicMicros()
    defer { blockedMicros += Clock.monotonicMicros() - started }
    if !inTransaction {
      try execute("BEGIN IMMEDIATE")
      inTransaction = true
    }
    try body()
    rowsInTransaction += 1
    if rowsInTransaction >= SQLiteDatabase.rowsPerCommit { try commitTransaction() }
  }

  /// Ends the open transaction, if any, making its rows visible to readers.
  func commit() throws(RunError) {
    guard inTransaction else { return }
    let started = Clock.monotonicMicros()
    defer { blockedMicros += Clock.monotonicMicros() - started }
    try commitTransaction()
  }

  private func commitTransaction() throws(RunError) {
    try execute("COMMIT")
    inTransaction = false
    rowsInTransaction = 0
  }

  /// Quotes an identifier for SQL text.
  static func quote(_ name: String) -> String {
    "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"")
      + "\""
  }
}
