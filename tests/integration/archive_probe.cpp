#include "integration/archive_probe.hpp"

#include <sqlite3.h>

#include <fstream>
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

common::Status corrupt_root_page(const std::string& database, const std::string& object) {
  std::int64_t page = 0;
  std::int64_t page_size = 0;
  {
    auto db = open(database);
    if (!db) return db.error();
    {
      auto statement = prepare(db->get(), "SELECT rootpage FROM sqlite_schema WHERE name = ?1");
      if (!statement) return statement.error();
      sqlite3_bind_text(statement->get(), 1, object.data(), static_cast<int>(object.size()),
                        SQLITE_TRANSIENT);
      if (sqlite3_step(statement->get()) != SQLITE_ROW)
        return storage("no b-tree named " + object, db->get());
      page = sqlite3_column_int64(statement->get(), 0);
      auto size = prepare(db->get(), "PRAGMA page_size");
      if (!size || sqlite3_step(size->get()) != SQLITE_ROW)
        return storage("reading the page size", db->get());
      page_size = sqlite3_column_int64(size->get(), 0);
    }  // statements finalized: a checkpoint needs no reader in this connection
    if (sqlite3_wal_checkpoint_v2(db->get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) !=
        SQLITE_OK) {
      return storage("checkpointing", db->get());
    }
  }
  if (page < 2) return common::make_error(common::ErrorKind::Storage, object + " has no page of its own");
  std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) return common::make_error(common::ErrorKind::Io, "cannot open " + database);
  std::string garbage(static_cast<std::size_t>(page_size), '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919 + 13) & 0xff);
  file.seekp((page - 1) * page_size);
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!file.flush()) return common::make_error(common::ErrorKind::Io, "cannot write " + database);
  return {};
}

}  // namespace integration
