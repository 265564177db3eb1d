#pragma once
// Copying one archive into another (`popfetchd migrate --to`), and the
// fingerprint that proves the copy whole. Works between any two backends
// (SQLite to PostgreSQL is the use; PostgreSQL back to SQLite works the
// same way). Reads `from`, writes only `to`.
//
// The copy is resumable: rows are committed in batches, and a row already
// in the target with the same (account, uidl, generation) and the same bytes
// is counted, not written again (Batch::add_copy). An interrupted copy keeps
// what it committed; running it again finishes it. A row whose key holds
// other bytes in the target stops the copy with a Storage error naming it.
//
// Not copied: row ids (each archive assigns its own) and the delivery
// bookkeeping of deliver: targets.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/archive.hpp"
#include "store/content_hash.hpp"

namespace store {

struct CopyStats {
  std::int64_t copied = 0;         // rows written to the target
  std::int64_t already_there = 0;  // rows the target held already (a resumed copy)
  std::int64_t bytes = 0;          // raw bytes of the rows written
};

struct CopyOptions {
  // A batch is committed after this many rows or bytes, whichever comes first.
  std::int64_t rows_per_commit = 500;
  std::int64_t bytes_per_commit = std::int64_t{64} << 20;
  // Called after each commit with the totals so far (may be empty).
  std::function<void(const CopyStats&)> progress;
};

// Every row of `from` into `to`. On error, the batches committed before it stay.
common::Result<CopyStats> copy_archive(Archive& from, Archive& to, const Sha256Function& sha256,
                                       const CopyOptions& options = {});

// What an archive holds for one account: rows, raw bytes, and a SHA-256
// chained over every row in for_each_row order (its uidl, generation,
// fetched_at, deleted_at, short_retr, listed_size and the SHA-256 of its raw).
// Two archives holding the same rows give equal fingerprints whatever their
// backend or row ids.
struct AccountFingerprint {
  std::string account;
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
  std::string sha256_hex;

  bool operator==(const AccountFingerprint&) const = default;
};

// One entry per account, in byte order of the account name.
common::Result<std::vector<AccountFingerprint>> fingerprint_archive(Archive& archive, const Sha256Function& sha256);

}  // namespace store
