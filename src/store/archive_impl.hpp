#pragma once
// Archive::Impl: the connection and the statements prepared at open, shared
// by archive.cpp (opening, the fetch path) and archive_queries.cpp (list,
// search, export, totals). Private to src/store.

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/archive.hpp"
#include "store/database.hpp"
#include "store/statement.hpp"

namespace store {

inline common::Error storage(std::string message) {
  return common::make_error(common::ErrorKind::Storage, std::move(message));
}

struct Archive::Impl {
  std::string path;
  Database db;
  std::optional<Statement> rows_of_uidl;  // for add: same bytes? next generation?
  std::optional<Statement> insert;
  std::optional<Statement> insert_fts;
  std::optional<Statement> clear_short;
  std::optional<Statement> copies;
  std::optional<Statement> raw_of;
  std::optional<Statement> mark_deleted;
  std::optional<Statement> list_all;
  std::optional<Statement> list_account;
  std::optional<Statement> search;
  std::optional<Statement> count_search;
  std::optional<Statement> same_bytes;  // for import: these bytes in the account, under any uidl?
  std::optional<Statement> totals;
  std::optional<Statement> queue_deliveries;  // a new message's rows in `deliveries`
  bool batch_open = false;
  bool read_open = false;  // a ReadTransaction began

  Impl(std::string p, Database d) : path(std::move(p)), db(std::move(d)) {}

  common::Status prepare(std::optional<Statement>& slot, std::string_view sql, std::string_view what);
  common::Status prepare_all();
  common::Status prepare_queries();  // archive_queries.cpp

  common::Result<AddOutcome> insert_message(std::string_view account, std::string_view uidl,
                                            std::string_view raw, std::int64_t fetched_at,
                                            const AddFlags& flags);

 private:
  struct Existing {
    std::int64_t next_generation = 0;
    std::optional<std::int64_t> same_id;  // the row holding these exact bytes
    bool same_is_short = false;
  };
  common::Result<Existing> find_existing(std::string_view account, std::string_view uidl,
                                         std::string_view raw);
};

}  // namespace store
