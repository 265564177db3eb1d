#pragma once
// Archive::Impl: the connection and the statements prepared at open, shared
// by archive.cpp (opening, the fetch path) and archive_queries.cpp (list,
// search, export, totals). Private to src/store.

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/archive.hpp"
#include "store/archive_backend.hpp"
#include "store/database.hpp"
#include "store/statement.hpp"

namespace store {

// The SQLite archive. DeliveryLog (delivery_log.cpp) uses its connection.
struct Archive::Impl final : ArchiveBackend {
  std::string path_;
  Database db;
  std::optional<Statement> rows_of_uidl;  // for add: same bytes? next generation?
  std::optional<Statement> insert;
  std::optional<Statement> insert_fts;
  std::optional<Statement> row_at;  // for add_copy: the row of (account, uidl, generation)
  std::optional<Statement> clear_short;
  std::optional<Statement> copies_stmt;
  std::optional<Statement> raw_of;
  std::optional<Statement> mark_deleted_stmt;
  std::optional<Statement> list_all;
  std::optional<Statement> list_account;
  std::optional<Statement> search_stmt;
  std::optional<Statement> count_search;
  std::optional<Statement> same_bytes;  // for import: these bytes in the account, under any uidl?
  std::optional<Statement> totals_stmt;
  std::optional<Statement> queue_deliveries;  // a new message's rows in `deliveries`
  bool batch_open = false;
  bool read_open = false;  // a ReadTransaction began

  Impl(std::string p, Database d) : path_(std::move(p)), db(std::move(d)) {}

  // Opens or creates the SQLite archive at `path` (archive.cpp).
  static common::Result<std::unique_ptr<Impl>> open(const std::string& path);

  const std::string& path() const override { return path_; }
  bool begin_read() override;
  void end_read() override;
  common::Result<std::unique_ptr<BatchBackend>> begin_batch() override;
  common::Result<std::vector<StoredCopy>> copies(std::string_view account, std::string_view uidl) override;
  common::Result<std::string> header_block(std::int64_t id) override;
  common::Result<bool> still_in_place() override;
  common::Result<std::int64_t> mark_deleted(std::string_view account, std::span<const std::string> uidls,
                                            std::int64_t when) override;
  common::Result<std::vector<MessageSummary>> list(std::optional<std::string_view> account,
                                                   std::int64_t limit) override;
  common::Result<std::vector<MessageSummary>> search(std::string_view query,
                                                     std::optional<std::string_view> account,
                                                     std::int64_t limit) override;
  common::Result<std::int64_t> count_matches(std::string_view query,
                                             std::optional<std::string_view> account) override;
  common::Result<std::optional<std::string>> raw_message(std::int64_t id) override;
  common::Status for_each_message(std::optional<std::string_view> account,
                                  const Archive::Visitor& visit) override;
  common::Status for_each_row(const Archive::RowVisitor& visit) override;
  common::Result<std::vector<AccountTotals>> totals() override;

  common::Status prepare(std::optional<Statement>& slot, std::string_view sql, std::string_view what);
  common::Status prepare_all();
  common::Status prepare_queries();  // archive_queries.cpp

  common::Result<AddOutcome> insert_message(std::string_view account, std::string_view uidl,
                                            std::string_view raw, std::int64_t fetched_at,
                                            const AddFlags& flags);
  common::Result<AddOutcome> insert_copy(const ArchivedRow& row, std::string_view raw);

 private:
  common::Result<std::int64_t> store_row(const ArchivedRow& row, std::string_view raw);
  struct Existing {
    std::int64_t next_generation = 0;
    std::optional<std::int64_t> same_id;  // the row holding these exact bytes
    bool same_is_short = false;
  };
  common::Result<Existing> find_existing(std::string_view account, std::string_view uidl,
                                         std::string_view raw);
};

}  // namespace store
