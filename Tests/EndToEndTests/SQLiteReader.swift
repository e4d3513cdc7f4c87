import CSQLite
import Foundation

/// Reads a SQLite database as another program would while streamsql writes it: its own
/// read-only connection, rows rendered as text (NULL as "NULL") for comparisons.
struct SQLiteReader {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  let path: String

  init(_ path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw Failure(description: "\(path) does not exist")
    }
    self.path = path
  }

  func rows(_ sql: String) throws -> [[String]] {
    var db: OpaquePointer?
    defer { sqlite3_close(db) }
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
      throw Failure(description: "cannot open \(path)")
    }
    sqlite3_busy_timeout(db, 5000)
    var statement: OpaquePointer?
    defer { sqlite3_finalize(statement) }
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
      throw Failure(description: String(cString: sqlite3_errmsg(db)))
    }
    var result: [[String]] = []
    while true {
      let rc = sqlite3_step(statement)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else {
        throw Failure(description: String(cString: sqlite3_errmsg(db)))
      }
      result.append(
        (0..<sqlite3_column_count(statement)).map { i in
          sqlite3_column_type(statement, i) == SQLITE_NULL
            ? "NULL" : String(cString: sqlite3_column_text(statement, i))
        })
    }
    return result
  }
}
