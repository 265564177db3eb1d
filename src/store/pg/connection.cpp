#include "store/pg/connection.hpp"

#include <cstring>

#include "store/pg/conninfo.hpp"

namespace store::pg {
namespace {

common::Error storage(std::string message) {
  return common::make_error(common::ErrorKind::Storage, std::move(message));
}

// libpq's messages end in a newline and may span lines: make them one line.
std::string one_line(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return text.empty() ? "unknown error" : text;
}

std::uint64_t big_endian(const char* p, int length) {
  std::uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

// NOTICEs ("relation already exists, skipping") are not ours to print.
void ignore_notice(void*, const char*) {}

}  // namespace

std::string_view QueryResult::bytes(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t QueryResult::int64(int row, int column) const {
  if (is_null(row, column)) return 0;
  const char* value = PQgetvalue(result_.get(), row, column);
  if (PQfformat(result_.get(), column) == 0) return std::strtoll(value, nullptr, 10);
  const int length = PQgetlength(result_.get(), row, column);
  const std::uint64_t raw = big_endian(value, length);
  // Sign-extend int2/int4.
  if (length == 2) return static_cast<std::int16_t>(raw);
  if (length == 4) return static_cast<std::int32_t>(raw);
  return static_cast<std::int64_t>(raw);
}

std::optional<std::int64_t> QueryResult::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

std::string_view QueryResult::command() const {
  const char* tag = PQcmdStatus(result_.get());
  return tag == nullptr ? std::string_view() : std::string_view(tag);
}

std::int64_t QueryResult::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

common::Result<Connection> Connection::connect(const std::string& conninfo) {
  const std::string shown = sanitize_conninfo(conninfo);
  // expand_dbname: `conninfo` is a whole URI; the application name shows in
  // pg_stat_activity unless the URI sets one.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "popfetchd", nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, 1);
  if (raw == nullptr) return storage("connecting to " + shown + ": out of memory");
  Connection conn(raw, shown);
  if (PQstatus(raw) != CONNECTION_OK) {
    return storage("connecting to " + shown + ": " + one_line(PQerrorMessage(raw)));
  }
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  // Durability is not the server's default to choose: DELE depends on it.
  if (auto s = conn.exec("SET synchronous_commit = on; SET client_encoding = 'UTF8'",
                         "setting up the connection to " + shown);
      !s) {
    return s.error();
  }
  return conn;
}

common::Status Connection::revive() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return {};
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return storage("reconnecting to " + shown_ + ": " + one_line(PQerrorMessage(conn_.get())));
  }
  return exec("SET synchronous_commit = on; SET client_encoding = 'UTF8'", "setting up the connection to " + shown_);
}

common::Result<QueryResult> Connection::query(std::string_view sql, std::initializer_list<Param> params,
                                              std::string_view what, Format results) {
  return query(sql, std::vector<Param>(params), what, results);
}

common::Result<QueryResult> Connection::query(std::string_view sql, const std::vector<Param>& params,
                                              std::string_view what, Format results) {
  // Text values must be NUL-terminated for libpq: keep copies alive here.
  std::vector<std::string> text(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  std::vector<int> lengths(params.size(), 0);
  std::vector<int> formats(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    if (const auto* s = std::get_if<std::string_view>(&p)) {
      text[i] = std::string(*s);
      values[i] = text[i].c_str();
    } else if (const auto* n = std::get_if<std::int64_t>(&p)) {
      text[i] = std::to_string(*n);
      values[i] = text[i].c_str();
    } else if (const auto* b = std::get_if<Bytes>(&p)) {
      // A non-null pointer even for zero bytes: null would mean SQL NULL.
      values[i] = b->data.data() == nullptr ? "" : b->data.data();
      lengths[i] = static_cast<int>(b->data.size());
      formats[i] = 1;
    }
  }
  const std::string statement(sql);
  PGresult* raw = PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), lengths.data(), formats.data(), static_cast<int>(results));
  QueryResult result(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* message = raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(conn_.get());
    return storage(std::string(what) + ": " + one_line(message));
  }
  return result;
}

common::Status Connection::exec(std::string_view sql, std::string_view what) {
  const std::string statement(sql);
  PGresult* raw = PQexec(conn_.get(), statement.c_str());
  QueryResult result(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const char* message = raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(conn_.get());
    return storage(std::string(what) + ": " + one_line(message));
  }
  return {};
}

common::Result<Transaction> Transaction::begin(Connection& conn) {
  if (auto s = conn.exec("BEGIN", "starting a transaction"); !s) return s.error();
  return Transaction(&conn);
}

common::Status Transaction::commit() {
  if (conn_ == nullptr) return storage("committing: no transaction is open");
  Connection* conn = conn_;
  conn_ = nullptr;
  // COMMIT of a transaction that failed earlier answers ROLLBACK, not an
  // error: ask the server what it did.
  auto result = conn->query("COMMIT", {}, "committing");
  if (!result) return result.error();
  if (result->command() != "COMMIT") return storage("committing: the server rolled the transaction back");
  return {};
}

void Transaction::rollback() {
  if (conn_ == nullptr) return;
  Connection* conn = conn_;
  conn_ = nullptr;
  (void)conn->exec("ROLLBACK", "rolling back");
}

}  // namespace store::pg
