#pragma once
// The interface behind store::Archive: one implementation per database
// engine. Archive::Impl (archive.cpp, archive_queries.cpp) is SQLite;
// PgArchive (pg_archive.cpp) is PostgreSQL. Archive::open picks one by the
// `database` value; Archive, Batch and ReadTransaction forward to it, so the
// contract of every call is the one documented in archive.hpp. Private to
// src/store.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/archive.hpp"

namespace store {

inline common::Error storage(std::string message) {
  return common::make_error(common::ErrorKind::Storage, std::move(message));
}

// One open write transaction (Batch's state). Destroyed without commit(): rolled back.
class BatchBackend {
 public:
  virtual ~BatchBackend() = default;
  virtual common::Result<AddOutcome> add_message(std::string_view account, std::string_view uidl,
                                                 std::string_view raw, std::int64_t fetched_at,
                                                 const AddFlags& flags) = 0;
  virtual common::Result<AddOutcome> add_imported(std::string_view account, std::string_view raw,
                                                  std::int64_t fetched_at, const Sha256Function& sha256) = 0;
  virtual common::Result<AddOutcome> add_copy(const ArchivedRow& row, std::string_view raw,
                                              const Sha256Function& sha256) = 0;
  virtual common::Status commit() = 0;
};

class ArchiveBackend {
 public:
  virtual ~ArchiveBackend() = default;
  virtual const std::string& path() const = 0;
  // True when a read transaction was begun (end_read() then ends it).
  virtual bool begin_read() = 0;
  virtual void end_read() = 0;
  virtual common::Result<std::unique_ptr<BatchBackend>> begin_batch() = 0;
  virtual common::Result<std::vector<StoredCopy>> copies(std::string_view account, std::string_view uidl) = 0;
  virtual common::Result<std::string> header_block(std::int64_t id) = 0;
  virtual common::Result<bool> still_in_place() = 0;
  virtual common::Result<std::int64_t> mark_deleted(std::string_view account,
                                                    std::span<const std::string> uidls, std::int64_t when) = 0;
  virtual common::Result<std::vector<MessageSummary>> list(std::optional<std::string_view> account,
                                                           std::int64_t limit) = 0;
  virtual common::Result<std::vector<MessageSummary>> search(std::string_view query,
                                                             std::optional<std::string_view> account,
                                                             std::int64_t limit) = 0;
  virtual common::Result<std::int64_t> count_matches(std::string_view query,
                                                     std::optional<std::string_view> account) = 0;
  virtual common::Result<std::optional<std::string>> raw_message(std::int64_t id) = 0;
  virtual common::Status for_each_message(std::optional<std::string_view> account,
                                          const Archive::Visitor& visit) = 0;
  virtual common::Status for_each_row(const Archive::RowVisitor& visit) = 0;
  virtual common::Result<std::vector<AccountTotals>> totals() = 0;
};

// What add_copy says when (account, uidl, generation) holds other bytes.
inline std::string copy_conflict(const ArchivedRow& row) {
  return "copying a message: account '" + row.account + "', uidl '" + row.uidl + "', generation " +
         std::to_string(row.generation) + " already holds different bytes in the target archive";
}

// Opens the PostgreSQL archive at `uri` (pg_archive.cpp).
common::Result<std::unique_ptr<ArchiveBackend>> open_postgres_archive(const std::string& uri);

// What a feature not yet built for PostgreSQL answers.
inline common::Error not_supported_on_postgres(std::string_view what) {
  return storage(std::string(what) + ": not yet supported with a PostgreSQL archive");
}

}  // namespace store
