#include "integration/archive_probe.hpp"

#include <sqlite3.h>

#include <memory>

namespace integration {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

common::Error storage(const std::string& what, sqlite3* db) {
  return common::make_error(common::ErrorKind::Storage,
                            what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

common::Result<Db> open(const std::string& database) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(database.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return storage("opening " + database, raw);
  sqlite3_busy_timeout(raw, 10'000);
  return db;
}

common::Result<Statement> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) return storage(sql, db);
  return Statement(raw);
}

std::string text_column(sqlite3_stmt* statement, int column) {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, column));
  return bytes ? std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(statement, column)))
               : std::string();
}

}  // namespace

common::Result<std::map<std::string, ArchivedMessage>> archived_messages(const std::string& database,
                                                                         const std::string& account) {
  auto db = open(database);
  if (!db) return db.error();
  auto statement =
      prepare(db->get(), "SELECT uidl, raw, size, fetched_at, deleted_at FROM messages WHERE account = ?1");
  if (!statement) return statement.error();
  sqlite3_bind_text(statement->get(), 1, account.data(), static_cast<int>(account.size()), SQLITE_TRANSIENT);
  std::map<std::string, ArchivedMessage> messages;
  int rc;
  while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    ArchivedMessage message;
    message.raw = text_column(statement->get(), 1);
    message.size = sqlite3_column_int64(statement->get(), 2);
    message.fetched_at = sqlite3_column_int64(statement->get(), 3);
    if (sqlite3_column_type(statement->get(), 4) != SQLITE_NULL) {
      message.deleted_at = sqlite3_column_int64(statement->get(), 4);
    }
    messages.emplace(text_column(statement->get(), 0), std::move(message));
  }
  if (rc != SQLITE_DONE) return storage("reading messages", db->get());
  return messages;
}

common::Result<RowCounts> row_counts(const std::string& database) {
  auto db = open(database);
  if (!db) return db.error();
  auto statement = prepare(db->get(), "select count(*), count(distinct account||uidl) from messages");
  if (!statement) return statement.error();
  if (sqlite3_step(statement->get()) != SQLITE_ROW) return storage("counting messages", db->get());
  return RowCounts{sqlite3_column_int64(statement->get(), 0), sqlite3_column_int64(statement->get(), 1)};
}

common::Status set_fetched_at(const std::string& database, const std::string& account,
                              const std::vector<std::string>& uidls, std::int64_t fetched_at) {
  auto db = open(database);
  if (!db) return db.error();
  auto statement = prepare(db->get(), "UPDATE messages SET fetched_at = ?1 WHERE account = ?2 AND uidl = ?3");
  if (!statement) return statement.error();
  for (const auto& uidl : uidls) {
    sqlite3_reset(statement->get());
    sqlite3_bind_int64(statement->get(), 1, fetched_at);
    sqlite3_bind_text(statement->get(), 2, account.data(), static_cast<int>(account.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(statement->get(), 3, uidl.data(), static_cast<int>(uidl.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(statement->get()) != SQLITE_DONE) return storage("updating fetched_at", db->get());
    if (sqlite3_changes(db->get()) != 1) {
      return common::make_error(common::ErrorKind::Storage, "no stored message " + account + "/" + uidl);
    }
  }
  return {};
}

}  // namespace integration
