#include "store/statement.hpp"

#include <limits>

#include "store/database.hpp"

namespace store {

Statement::Use Statement::use() {
  reset();
  return Use(*this);
}

void Statement::reset() {
  // sqlite3_reset repeats the last step's error code; that error was already
  // reported by step(), so it is ignored here.
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

common::Status Statement::check_bind(int rc) {
  if (rc != SQLITE_OK) return storage_error(sqlite3_db_handle(stmt_.get()), what_);
  return {};
}

common::Status Statement::bind(int index, std::int64_t value) {
  return check_bind(sqlite3_bind_int64(stmt_.get(), index, value));
}

common::Status Statement::bind(int index, std::string_view text) {
  return check_bind(
      sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

common::Status Statement::bind(int index, Blob blob) {
  // SQLITE_STATIC: callers keep the bytes alive until the statement has run,
  // which spares a copy of messages that may be tens of megabytes.
  // A zero-length blob still needs a non-null pointer, or SQLite binds NULL.
  static const char kEmpty = 0;
  const char* data = blob.bytes.empty() ? &kEmpty : blob.bytes.data();
  return check_bind(sqlite3_bind_blob64(stmt_.get(), index, data, blob.bytes.size(), SQLITE_STATIC));
}

common::Status Statement::bind(int index, std::nullopt_t) {
  return check_bind(sqlite3_bind_null(stmt_.get(), index));
}

common::Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return storage_error(sqlite3_db_handle(stmt_.get()), what_);
}

std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

std::optional<std::int64_t> Statement::column_optional_int64(int column) const {
  if (sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL) return std::nullopt;
  return column_int64(column);
}

std::string Statement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL) return std::nullopt;
  return column_text(column);
}

std::string_view Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  if (data == nullptr) return {};
  return std::string_view(static_cast<const char*>(data),
                          static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

}  // namespace store
