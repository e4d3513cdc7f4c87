// SQLite's C API for the SQLite sink (Debian: libsqlite3-dev).
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro that Swift cannot import: binding text with it makes SQLite
// copy the bytes, so the Swift buffer may go away right after the call.
static inline int csqlite_bind_text_transient(sqlite3_stmt *stmt, int index, const char *text, int bytes) {
  return sqlite3_bind_text(stmt, index, text, bytes, SQLITE_TRANSIENT);
}
