#pragma once
// The PostgreSQL archive's schema and its migrations, run at open like
// SQLite's (schema.hpp): a schema_version table holds the version, each step
// runs in its own transaction under an advisory lock (so two daemons starting
// together migrate once), and a database newer than this popfetchd, or one
// with a messages table but no schema_version, is refused.
//
// Version 1 is SQLite's version 5 less the delivery tables: messages with
// UNIQUE (account, uidl, generation), raw as bytea, the header columns,
// short_retr and listed_size, the same indexes, and a tsvector column
// `search` with a GIN index in place of the FTS5 table. Version 2 adds the
// tables of several daemons sharing the archive (pg_leases.hpp): instances
// and account_leases.
// Errors: Storage.

#include "common/result.hpp"
#include "store/pg/connection.hpp"

namespace store {

inline constexpr int kPgSchemaVersion = 2;

common::Status pg_migrate(pg::Connection& conn);

}  // namespace store
