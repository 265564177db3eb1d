#pragma once
// PgArchive: the archive in PostgreSQL (database: postgresql://...), the
// second implementation of ArchiveBackend (archive_backend.hpp). Owns one
// libpq connection. Same contract as the SQLite archive (archive.hpp) with
// these differences:
//   - durability: synchronous_commit is on for the session, so Batch::commit
//     returns OK only after PostgreSQL's COMMIT returned (and reached its
//     synchronous standbys if any): DELE after that is safe;
//   - search: a tsvector column with a GIN index; the query forms and their
//     differences are in pg_search.hpp; best match first is ts_rank;
//   - account, uidl and the header columns are text: a NUL byte or invalid
//     UTF-8 in a header is replaced (raw keeps every byte); an account or
//     UIDL that is not valid UTF-8 is a Storage error;
//   - no delivery tables yet: messages are never queued for delivery targets
//     (the config refuses deliver: targets with a PostgreSQL archive);
//   - still_in_place() is always true (nothing on disk can move away);
//   - a connection the server dropped is made again at the next call made
//     outside a batch or read transaction (a restarted PostgreSQL costs the
//     polls that were running, not the daemon).
// Not thread-safe: one PgArchive per thread.

#include <memory>
#include <string>

#include "store/archive_backend.hpp"

namespace store {

common::Result<std::unique_ptr<ArchiveBackend>> open_postgres_archive(const std::string& uri);

}  // namespace store
