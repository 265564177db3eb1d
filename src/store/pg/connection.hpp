#pragma once
// store::pg: the thin libpq layer under the PostgreSQL archive. Owns one
// PGconn (Connection) and each PGresult (QueryResult); sends every value as a
// parameter, never spliced into SQL (bytea in binary form, byte for byte);
// one transaction helper that rolls back unless committed.
//
// The connection string is a libpq URI ("postgresql://user@host/db"); libpq
// adds the PG* environment variables and ~/.pgpass. Passwords never appear in
// a message: the string is shown only through sanitize_conninfo().
// synchronous_commit is forced on for the session: a COMMIT that returned is
// on the server's disk (and its synchronous standbys'), which is what lets the
// fetch path DELEte after Batch::commit().
//
// Every error is common::Error{Storage, "<what>: <PostgreSQL's message>"}.
// Not thread-safe: one Connection per thread.

#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace store::pg {

// A bytea parameter: sent in binary, so every byte (NUL, 8-bit) arrives as is.
struct Bytes {
  std::string_view data;
};

// One query parameter. Text and integers are sent as text; nullopt is NULL.
using Param = std::variant<std::nullopt_t, std::string_view, std::int64_t, Bytes>;

inline Param opt_param(const std::optional<std::string>& v) {
  return v ? Param(std::string_view(*v)) : Param(std::nullopt);
}
inline Param opt_param(const std::optional<std::int64_t>& v) { return v ? Param(*v) : Param(std::nullopt); }

// The rows a statement returned. Columns are read in whichever format the
// query asked for (Format::Binary: int8 big-endian, bytea and text as bytes).
class QueryResult {
 public:
  explicit QueryResult(PGresult* result) : result_(result) {}
  int rows() const { return PQntuples(result_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // The value's bytes (text: its characters; binary bytea: the raw bytes).
  std::string_view bytes(int row, int column) const;
  std::string text(int row, int column) const { return std::string(bytes(row, column)); }
  // int2/int4/int8 in either format; 0 for NULL.
  std::int64_t int64(int row, int column) const;
  std::optional<std::int64_t> optional_int64(int row, int column) const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  std::int64_t affected() const;
  // The command tag ("COMMIT", "ROLLBACK", "INSERT 0 1", ...).
  std::string_view command() const;

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> result_;
};

enum class Format { Text = 0, Binary = 1 };

class Connection {
 public:
  // Connects (blocking) and sets the session up. `conninfo` is shown only
  // sanitised; a failure names it and libpq's reason.
  static common::Result<Connection> connect(const std::string& conninfo);

  // Runs `sql` with `params` ($1, $2, ...). `what` starts the error message.
  common::Result<QueryResult> query(std::string_view sql, std::initializer_list<Param> params,
                                    std::string_view what, Format results = Format::Text);
  common::Result<QueryResult> query(std::string_view sql, const std::vector<Param>& params,
                                    std::string_view what, Format results = Format::Text);
  // Runs statements without parameters (may be several, separated by ';').
  common::Status exec(std::string_view sql, std::string_view what);

  // When the server closed the connection (a restart, a failover, a network
  // cut), reconnects once, blocking, and sets the session up again. Call it
  // only outside a transaction: a transaction does not survive its
  // connection, and carrying on in a new session would commit piecemeal.
  common::Status revive();

  // The connection string with any password masked.
  const std::string& shown() const { return shown_; }
  PGconn* handle() const { return conn_.get(); }

 private:
  struct Close {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  Connection(PGconn* conn, std::string shown) : conn_(conn), shown_(std::move(shown)) {}
  std::unique_ptr<PGconn, Close> conn_;
  std::string shown_;
};

// BEGIN ... COMMIT on a connection it does not own; rolled back when
// destroyed without a successful commit().
class Transaction {
 public:
  static common::Result<Transaction> begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() { rollback(); }

  // Returns only after the server answered the COMMIT: durable when OK.
  common::Status commit();
  // Idempotent; also what the destructor does.
  void rollback();
  bool active() const { return conn_ != nullptr; }

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;  // null once committed or rolled back
};

}  // namespace store::pg
