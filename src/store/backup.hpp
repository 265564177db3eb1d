#pragma once
// `popfetchd backup FILE`: a consistent copy of the archive, taken with
// SQLite's online backup API while the daemon may be writing to it. The
// archive is the only copy of the user's mail; this is how to copy it safely
// (cp of a WAL database in use can copy a torn state).
//
// The copy is one snapshot: every page is copied in one backup step inside
// one read transaction, and WAL lets the daemon go on committing meanwhile
// (the copy holds what was committed when it began). The copy is a single
// self-contained file (rollback journal mode, no -wal to carry along), created
// 0600 whatever the umask, fsync()ed with its directory entry. `target` must
// not exist: a backup never overwrites anything (O_EXCL, so not even a file
// created a moment before). On any failure the partial copy is removed.
//
// Reads the archive at `database` (never writes to it, never creates it);
// owns only the file it creates. Errors: Io (the target exists, cannot be
// created or synced; the archive does not exist), Storage (SQLite).

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace store {

struct BackupStats {
  std::int64_t messages = 0;  // rows in the copy's messages table
  std::int64_t bytes = 0;     // size of the copy
};

common::Result<BackupStats> backup_archive(const std::string& database, const std::string& target);

}  // namespace store
