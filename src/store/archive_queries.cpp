// The archive's read-side queries for the CLI and the daemon's metrics:
// list, search, export's walk and the per-account totals. They never write.

#include <string>

#include "common/sanitize.hpp"
#include "store/archive.hpp"
#include "store/archive_impl.hpp"
#include "store/list_sql.hpp"

namespace store {
namespace {

// read_summary() reads the columns of kSummaryColumns by position.
static_assert(kListAllSql.substr(7, kSummaryColumns.size()) == kSummaryColumns);
static_assert(kListAccountSql.substr(7, kSummaryColumns.size()) == kSummaryColumns);

MessageSummary read_summary(const Statement& row) {
  MessageSummary m;
  m.id = row.column_int64(0);
  m.account = row.column_text(1);
  m.uidl = row.column_text(2);
  m.date = row.column_optional_int64(3);
  m.from = row.column_text(4);
  m.subject = row.column_text(5);
  m.size = row.column_int64(6);
  m.fetched_at = row.column_int64(7);
  m.deleted_at = row.column_optional_int64(8);
  return m;
}

common::Result<std::vector<MessageSummary>> collect_summaries(Statement& stmt) {
  std::vector<MessageSummary> out;
  while (true) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_summary(stmt));
  }
}

// FTS5 reports a malformed query when the statement runs, as a plain
// SQLITE_ERROR; I/O, busy or corruption errors have codes of their own.
common::Error query_error(const Database& db, std::string_view query, common::Error error) {
  if ((sqlite3_extended_errcode(db.handle()) & 0xff) != SQLITE_ERROR) return error;
  const std::string& message = error.message;
  const std::size_t colon = message.find(": ");
  return storage("search query \"" + common::sanitize(query) +
                 "\" is not valid: " + (colon == std::string::npos ? message : message.substr(colon + 2)) +
                 " (put words containing punctuation, such as addresses, in double quotes)");
}

}  // namespace

common::Status Archive::Impl::prepare_queries() {
  const std::string summary(kSummaryColumns);
  common::Status s = prepare(list_all, kListAllSql, "listing messages");
  if (s) s = prepare(list_account, kListAccountSql, "listing messages");
  if (s)
    s = prepare(search_stmt,
                "SELECT " + summary +
                    " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                    " WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR m.account = ?2)"
                    " ORDER BY bm25(messages_fts), m.id DESC LIMIT ?3",
                "searching");
  if (s)
    s = prepare(count_search,
                "SELECT count(*) FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                " WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR m.account = ?2)",
                "counting search results");
  if (s)
    s = prepare(totals_stmt, "SELECT account, count(*), sum(size) FROM messages GROUP BY account ORDER BY account",
                "counting messages");
  return s;
}

common::Result<std::vector<MessageSummary>> Archive::Impl::list(std::optional<std::string_view> account,
                                                          std::int64_t limit) {
  const std::int64_t sql_limit = limit <= 0 ? -1 : limit;
  if (account) {
    auto& stmt = *list_account;
    auto use = stmt.use();
    if (auto s = stmt.bind_all(*account, sql_limit); !s) return s.error();
    return collect_summaries(stmt);
  }
  auto& stmt = *list_all;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(sql_limit); !s) return s.error();
  return collect_summaries(stmt);
}

common::Result<std::vector<MessageSummary>> Archive::Impl::search(std::string_view query,
                                                            std::optional<std::string_view> account,
                                                            std::int64_t limit) {
  auto& stmt = *search_stmt;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(query, account, limit <= 0 ? std::int64_t{-1} : limit); !s) return s.error();
  auto rows = collect_summaries(stmt);
  if (!rows) return query_error(db, query, rows.error());
  return rows;
}

common::Result<std::int64_t> Archive::Impl::count_matches(std::string_view query,
                                                    std::optional<std::string_view> account) {
  auto& stmt = *count_search;
  auto use = stmt.use();
  if (auto s = stmt.bind_all(query, account); !s) return s.error();
  auto row = stmt.step();
  if (!row) return query_error(db, query, row.error());
  if (!*row) return storage("counting search results: no result row");
  return stmt.column_int64(0);
}

common::Status Archive::Impl::for_each_message(std::optional<std::string_view> account, const Archive::Visitor& visit) {
  const std::string sql = "SELECT " + std::string(kSummaryColumns) + ", m.raw FROM messages m" +
                          (account ? " WHERE m.account = ?1" : "") + " ORDER BY m.id";
  auto stmt = db.prepare(sql, "reading messages");
  if (!stmt) return stmt.error();
  if (account) {
    if (auto s = stmt->bind_all(*account); !s) return s;
  }
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return {};
    if (auto s = visit(read_summary(*stmt), stmt->column_blob(9)); !s) return s;
  }
}

common::Status Archive::Impl::for_each_row(const Archive::RowVisitor& visit) {
  // BINARY collation: byte order, as PostgreSQL's COLLATE "C".
  auto stmt = db.prepare(
      "SELECT account, uidl, generation, fetched_at, deleted_at, short_retr, listed_size, raw FROM messages"
      " ORDER BY account, uidl, generation",
      "reading messages");
  if (!stmt) return stmt.error();
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return {};
    const ArchivedRow r{stmt->column_text(0),          stmt->column_text(1),         stmt->column_int64(2),
                        stmt->column_int64(3),         stmt->column_optional_int64(4), stmt->column_int64(5) != 0,
                        stmt->column_optional_int64(6)};
    if (auto s = visit(r, stmt->column_blob(7)); !s) return s;
  }
}

common::Result<std::vector<AccountTotals>> Archive::Impl::totals() {
  auto& stmt = *totals_stmt;
  auto use = stmt.use();
  std::vector<AccountTotals> out;
  while (true) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(AccountTotals{stmt.column_text(0), stmt.column_int64(1), stmt.column_int64(2)});
  }
}

}  // namespace store
