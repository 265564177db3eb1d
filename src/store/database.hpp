#pragma once
// store::Database: owns one sqlite3 connection (closed with sqlite3_close_v2
// on destruction, so statements that outlive it are still finalized safely).
// It never decides what the schema is (schema.hpp) or what is stored
// (archive.hpp); it only runs SQL. Every failure is returned as
// common::Error{Storage, "<what we were doing>: <sqlite message>"}, with the
// operating system's reason appended when SQLite recorded one.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace store {

class Statement;

class Database {
 public:
  // `flags` are sqlite3_open_v2 flags. Extended result codes are switched on.
  // Opening is lazy in SQLite: a corrupt or unreadable file is reported by the
  // first statement, not here.
  static common::Result<Database> open(const std::string& path, int flags);

  // Runs one or more statements that return no rows.
  common::Status exec(std::string_view sql, std::string_view what);
  // Prepares one statement; `what` becomes the prefix of its error messages.
  common::Result<Statement> prepare(std::string_view sql, std::string_view what);
  // Runs a one-row, one-column query (PRAGMA user_version, COUNT(*), ...).
  common::Result<std::int64_t> query_int64(std::string_view sql, std::string_view what);
  common::Result<std::string> query_text(std::string_view sql, std::string_view what);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  bool read_only() const;  // the main database was opened read-only (file permissions, mode=ro)

  // The connection's most recent error, as a Storage error prefixed by `what`.
  common::Error error(std::string_view what) const;

  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// A Storage error for connection `db` (may be null), used by the other wrappers.
common::Error storage_error(sqlite3* db, std::string_view what);

}  // namespace store
