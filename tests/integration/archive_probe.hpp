#pragma once
// Reads (and, for set-up, edits) a popfetchd archive with plain SQLite, not
// through store::Archive: what the tests assert about the archive must not
// depend on the code under test. The queries follow DESIGN.md §3.
//
// Owns: one read-write SQLite connection per call, closed before it returns.
// Never creates a database: a missing file is an error.
// Errors: common::ErrorKind::Storage with SQLite's message.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace integration {

struct ArchivedMessage {
  std::string raw;
  std::int64_t size = 0;
  std::int64_t fetched_at = 0;
  std::optional<std::int64_t> deleted_at;
};

// The rows of `account`, by UIDL.
common::Result<std::map<std::string, ArchivedMessage>> archived_messages(const std::string& database,
                                                                         const std::string& account);

// `select count(*), count(distinct account||uidl) from messages` (issue 4's
// check that nothing is stored twice).
struct RowCounts {
  std::int64_t rows = 0;
  std::int64_t distinct = 0;
};
common::Result<RowCounts> row_counts(const std::string& database);

// Sets fetched_at of the given messages (to make them "old" for delete_after).
common::Status set_fetched_at(const std::string& database, const std::string& account,
                              const std::vector<std::string>& uidls, std::int64_t fetched_at);

// Overwrites the root page of the table or index `object` (a name from
// sqlite_schema) with garbage, as a disk error would: the file still opens,
// and the first read of that b-tree fails with SQLITE_CORRUPT. Checkpoints
// first, so the page lives in the main file, not in the WAL.
common::Status corrupt_root_page(const std::string& database, const std::string& object);

}  // namespace integration
