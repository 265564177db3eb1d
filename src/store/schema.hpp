#pragma once
// The archive's schema and its migrations. The version lives in
// PRAGMA user_version; each migration step runs in its own transaction that
// also bumps the version, so an interrupted upgrade leaves the database at the
// last completed step and the next start continues from there. A database
// newer than kSchemaVersion is refused (an older popfetchd must not write to
// it); a non-empty database without a version is refused as not ours.
// Touches only the schema and, for backfills, existing rows. Errors: Storage.
//
// Version history:
//   1  the `messages` table of DESIGN.md §3
//   2  parsed header columns (message_id, from_addr, to_addr, subject, date),
//      indexes on (account, fetched_at) and date, the FTS5 table
//      messages_fts, and a backfill of both for rows stored by version 1
//   3  generation (UNIQUE(account, uidl, generation) replaces UNIQUE(account,
//      uidl): a reused UIDL gets a row of its own), short_retr (stored
//      although shorter than its LIST size: never DELEted) and listed_size
//      (the LIST size when fetched; NULL for older rows). The table is
//      rebuilt, keeping every id, so the FTS index stays valid.
//   4  delivery bookkeeping (store/delivery_log.hpp): delivery_targets (the
//      targets each account delivers to, and whether they are still
//      configured) and deliveries (one row per message and target: pending,
//      delivered or failed, attempts, the last error)
//   5  indexes messages_fetched_at (fetched_at): `list` newest first without
//      a sort; messages_account_size (account, size): `import` finds the same
//      bytes already stored in the account

#include <string_view>

#include "common/result.hpp"
#include "store/database.hpp"

namespace store {

inline constexpr int kSchemaVersion = 5;

// Reads the version, refuses what we cannot handle, applies missing steps.
// `path` is only used in messages.
common::Status migrate(Database& db, std::string_view path);

common::Result<int> schema_version(Database& db);

}  // namespace store
