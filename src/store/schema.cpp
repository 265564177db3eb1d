#include "store/schema.hpp"

#include <array>
#include <string>

#include "store/message_index.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"

namespace store {
namespace {

common::Status create_v1(Database& db) {
  return db.exec(
      "CREATE TABLE messages ("
      "  id          INTEGER PRIMARY KEY,"
      "  account     TEXT    NOT NULL,"
      "  uidl        TEXT    NOT NULL,"
      "  size        INTEGER NOT NULL,"
      "  fetched_at  INTEGER NOT NULL,"
      "  raw         BLOB    NOT NULL,"
      "  deleted_at  INTEGER,"
      "  UNIQUE (account, uidl)"
      ")",
      "creating the messages table");
}

// Fills the new columns and the index for rows stored before version 2, one
// row at a time (by id, so that the update does not disturb a running scan).
common::Status backfill_v2(Database& db) {
  auto next = db.prepare("SELECT id, raw FROM messages WHERE id > ?1 ORDER BY id LIMIT 1",
                         "reading messages to index");
  if (!next) return next.error();
  auto update = db.prepare(kUpdateHeadersSql, "storing parsed headers");
  if (!update) return update.error();
  auto fts = db.prepare(kInsertFtsSql, "indexing a message");
  if (!fts) return fts.error();

  std::int64_t last_id = 0;
  while (true) {
    std::int64_t id = 0;
    DerivedFields fields;
    {
      auto use = next->use();
      if (auto s = next->bind_all(last_id); !s) return s;
      auto row = next->step();
      if (!row) return row.error();
      if (!*row) break;
      id = next->column_int64(0);
      fields = derive_fields(next->column_blob(1));
    }
    {
      auto use = update->use();
      const auto& h = fields.headers;
      if (auto s = update->bind_all(id, h.message_id, h.from, h.to, h.subject, h.date); !s) return s;
      if (auto done = update->step(); !done) return done.error();
    }
    if (auto s = insert_fts(*fts, id, fields); !s) return s;
    last_id = id;
  }
  return {};
}

common::Status upgrade_to_v2(Database& db) {
  auto s = db.exec(
      "ALTER TABLE messages ADD COLUMN message_id TEXT;"
      "ALTER TABLE messages ADD COLUMN from_addr TEXT;"
      "ALTER TABLE messages ADD COLUMN to_addr TEXT;"
      "ALTER TABLE messages ADD COLUMN subject TEXT;"
      "ALTER TABLE messages ADD COLUMN date INTEGER;"
      "CREATE INDEX messages_account_fetched_at ON messages(account, fetched_at);"
      "CREATE INDEX messages_date ON messages(date);",
      "adding header columns");
  if (!s) return s;
  s = db.exec(kCreateFtsSql, "creating the full-text index");
  if (!s) return s;
  return backfill_v2(db);
}

// Several rows may share (account, uidl): a UIDL the server reused for a
// different message is stored as the next generation rather than lost (the
// deletion rule of DESIGN.md §2). SQLite cannot change a UNIQUE constraint in
// place, so the table is rebuilt; ids are copied, so the contentless FTS index
// (keyed by id) stays valid. Rows from before v3 get generation 0, short_retr
// 0 and no listed size (it was not recorded).
common::Status upgrade_to_v3(Database& db) {
  return db.exec(
      "CREATE TABLE messages_v3 ("
      "  id          INTEGER PRIMARY KEY,"
      "  account     TEXT    NOT NULL,"
      "  uidl        TEXT    NOT NULL,"
      "  size        INTEGER NOT NULL,"
      "  fetched_at  INTEGER NOT NULL,"
      "  raw         BLOB    NOT NULL,"
      "  deleted_at  INTEGER,"
      "  message_id  TEXT,"
      "  from_addr   TEXT,"
      "  to_addr     TEXT,"
      "  subject     TEXT,"
      "  date        INTEGER,"
      "  generation  INTEGER NOT NULL DEFAULT 0,"
      "  short_retr  INTEGER NOT NULL DEFAULT 0,"
      "  listed_size INTEGER,"
      "  UNIQUE (account, uidl, generation)"
      ");"
      "INSERT INTO messages_v3 (id, account, uidl, size, fetched_at, raw, deleted_at, message_id, from_addr,"
      "  to_addr, subject, date)"
      " SELECT id, account, uidl, size, fetched_at, raw, deleted_at, message_id, from_addr, to_addr, subject,"
      "  date FROM messages ORDER BY id;"
      "DROP TABLE messages;"
      "ALTER TABLE messages_v3 RENAME TO messages;"
      "CREATE INDEX messages_account_fetched_at ON messages(account, fetched_at);"
      "CREATE INDEX messages_date ON messages(date);",
      "rebuilding the messages table with generations");
}

// A target starts with the messages stored after it first appears (a row in
// delivery_targets); older ones only by an explicit backfill. A message's row
// in deliveries is written in the transaction that stores it, so a committed
// message can never miss its deliveries.
common::Status upgrade_to_v4(Database& db) {
  return db.exec(
      "CREATE TABLE delivery_targets ("
      "  account  TEXT    NOT NULL,"
      "  target   TEXT    NOT NULL,"  // config::DeliveryTarget::key()
      "  active   INTEGER NOT NULL DEFAULT 1,"
      "  added_at INTEGER NOT NULL,"
      "  PRIMARY KEY (account, target)"
      ") WITHOUT ROWID;"
      "CREATE TABLE deliveries ("
      "  message_id      INTEGER NOT NULL REFERENCES messages(id),"
      "  target          TEXT    NOT NULL,"
      "  account         TEXT    NOT NULL,"
      "  state           INTEGER NOT NULL DEFAULT 0,"  // 0 pending, 1 delivered, 2 failed
      "  attempts        INTEGER NOT NULL DEFAULT 0,"
      "  in_flight       INTEGER NOT NULL DEFAULT 0,"  // an attempt began; its outcome is not recorded
      "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
      "  delivered_at    INTEGER,"
      "  last_error      TEXT,"
      "  PRIMARY KEY (target, message_id)"
      ") WITHOUT ROWID;"
      "CREATE INDEX deliveries_queue ON deliveries(account, target, state, message_id);",
      "adding the delivery tables");
}

// `list` newest first over the whole archive walked an index of every row and
// sorted it (234 ms for 100,000 messages); this index is in that order (an
// index ends with the rowid, `id`, so it also orders ties). The listing of one
// account already had messages_account_fetched_at. `import` finds a message
// already stored under any uidl of its account by size, then bytes.
common::Status upgrade_to_v5(Database& db) {
  return db.exec(
      "CREATE INDEX IF NOT EXISTS messages_fetched_at ON messages(fetched_at);"
      "CREATE INDEX IF NOT EXISTS messages_account_size ON messages(account, size);",
      "adding the indexes for list and import");
}

struct Migration {
  int version;  // the schema version after this step
  common::Status (*apply)(Database&);
};

constexpr std::array<Migration, 5> kMigrations = {
    {{1, create_v1}, {2, upgrade_to_v2}, {3, upgrade_to_v3}, {4, upgrade_to_v4}, {5, upgrade_to_v5}}};
static_assert(kMigrations.back().version == kSchemaVersion);

}  // namespace

common::Result<int> schema_version(Database& db) {
  auto version = db.query_int64("PRAGMA user_version", "reading the schema version");
  if (!version) return version.error();
  return static_cast<int>(*version);
}

common::Status migrate(Database& db, std::string_view path) {
  auto version = schema_version(db);
  if (!version) return version.error();
  if (*version > kSchemaVersion) {
    return common::make_error(common::ErrorKind::Storage,
                              "database schema version " + std::to_string(*version) +
                                  " is newer than this popfetchd supports (" +
                                  std::to_string(kSchemaVersion) + "); upgrade popfetchd");
  }
  if (*version == 0) {
    auto tables = db.query_int64("SELECT count(*) FROM sqlite_schema", "inspecting the database");
    if (!tables) return tables.error();
    if (*tables != 0) {
      return common::make_error(common::ErrorKind::Storage,
                                "database " + std::string(path) +
                                    " is not a popfetchd archive (it has tables but no schema version)");
    }
  }
  for (const auto& step : kMigrations) {
    if (step.version <= *version) continue;
    auto transaction = Transaction::begin(db);
    if (!transaction) return transaction.error();
    // Read again inside the write lock: another popfetchd may have migrated meanwhile.
    auto current = schema_version(db);
    if (!current) return current.error();
    if (*current >= step.version) continue;
    if (auto s = step.apply(db); !s) {
      return common::make_error(common::ErrorKind::Storage, "upgrading the database schema to version " +
                                                                std::to_string(step.version) + ": " +
                                                                s.error().message);
    }
    if (auto s =
            db.exec("PRAGMA user_version = " + std::to_string(step.version), "recording the schema version");
        !s) {
      return s;
    }
    if (auto s = transaction->commit(); !s) return s;
  }
  return {};
}

}  // namespace store
