#include "store/database.hpp"

#include <cstring>

#include "store/statement.hpp"

namespace store {

common::Error storage_error(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  if (db == nullptr) {
    message += "out of memory";
    return common::make_error(common::ErrorKind::Storage, std::move(message));
  }
  message += sqlite3_errmsg(db);
  // SQLite's "unable to open database file" says nothing about why; the
  // errno it saw ("Permission denied", "No such file or directory") does.
  const int code = sqlite3_extended_errcode(db);
  const int system_errno = sqlite3_system_errno(db);
  if (system_errno != 0 && ((code & 0xff) == SQLITE_CANTOPEN || (code & 0xff) == SQLITE_IOERR ||
                            (code & 0xff) == SQLITE_READONLY)) {
    message += " (";
    message += std::strerror(system_errno);
    message += ")";
  }
  return common::make_error(common::ErrorKind::Storage, std::move(message));
}

common::Result<Database> Database::open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) return storage_error(raw, "opening database " + path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

common::Status Database::exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return error(what);
  return {};
}

common::Result<Statement> Database::prepare(std::string_view sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error(what);
  }
  return Statement(stmt, std::string(what));
}

common::Result<std::int64_t> Database::query_int64(std::string_view sql, std::string_view what) {
  auto stmt = prepare(sql, what);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return common::make_error(common::ErrorKind::Storage, std::string(what) + ": no result row");
  return stmt->column_int64(0);
}

common::Result<std::string> Database::query_text(std::string_view sql, std::string_view what) {
  auto stmt = prepare(sql, what);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return common::make_error(common::ErrorKind::Storage, std::string(what) + ": no result row");
  return stmt->column_text(0);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

int Database::changes() const { return sqlite3_changes(db_.get()); }

bool Database::read_only() const { return sqlite3_db_readonly(db_.get(), "main") == 1; }

common::Error Database::error(std::string_view what) const { return storage_error(db_.get(), what); }

}  // namespace store
