#pragma once
// store::Statement: owns one prepared sqlite3_stmt (finalized on destruction).
// Prepared once and reused: use() resets it and clears its bindings, and the
// returned guard resets it again when the caller is done, so a finished
// SELECT never keeps a read transaction open (which would stop WAL
// checkpoints). It never owns the connection. Errors are Storage errors
// prefixed with the `what` given at prepare time.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace store {

// Marks a value to bind as a BLOB (bytes kept exactly, NULs included) rather than TEXT.
struct Blob {
  std::string_view bytes;
};

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, std::string what) : stmt_(stmt), what_(std::move(what)) {}

  // Resets at the end of its scope; obtained from Statement::use().
  class [[nodiscard]] Use {
   public:
    explicit Use(Statement& statement) : statement_(&statement) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() { statement_->reset(); }

   private:
    Statement* statement_;
  };
  Use use();

  // Binds parameters ?1..?N in order. Values: integers, std::string_view (TEXT),
  // Blob, std::nullopt / std::optional of those (NULL when empty).
  template <class... Args>
  common::Status bind_all(const Args&... args) {
    int index = 0;
    common::Status status;
    ((status.ok() ? (status = bind(++index, args), 0) : 0), ...);
    return status;
  }

  common::Status bind(int index, std::int64_t value);
  common::Status bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  common::Status bind(int index, std::string_view text);
  common::Status bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  common::Status bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  common::Status bind(int index, Blob blob);
  common::Status bind(int index, std::nullopt_t);
  template <class T>
  common::Status bind(int index, const std::optional<T>& value) {
    if (!value) return bind(index, std::nullopt);
    return bind(index, *value);
  }

  // true: a row is available; false: done.
  common::Result<bool> step();

  // Column accessors for the current row. Views stay valid until the next
  // step() or reset().
  std::int64_t column_int64(int column) const;
  std::optional<std::int64_t> column_optional_int64(int column) const;
  std::string column_text(int column) const;  // NULL reads as ""
  std::optional<std::string> column_optional_text(int column) const;
  std::string_view column_blob(int column) const;

  void reset();

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  common::Status check_bind(int rc);

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  std::string what_;
};

}  // namespace store
