#pragma once
// The SQL of Archive::list (archive_queries.cpp), in a header of its own so
// that a test can ask SQLite for its query plan: newest first must be an
// index walk that stops after LIMIT rows, never a sort of the whole table
// (`list --limit 50` over 100,000 messages answers in milliseconds).
// Constants only.

#include <string_view>

namespace store {

#define POPFETCHD_SUMMARY_COLUMNS \
  "m.id, m.account, m.uidl, m.date, m.from_addr, m.subject, m.size, m.fetched_at, m.deleted_at"

inline constexpr std::string_view kSummaryColumns = POPFETCHD_SUMMARY_COLUMNS;

// ?1: LIMIT (-1: none).
inline constexpr std::string_view kListAllSql =
    "SELECT " POPFETCHD_SUMMARY_COLUMNS " FROM messages m ORDER BY m.fetched_at DESC, m.id DESC LIMIT ?1";
// ?1: account, ?2: LIMIT.
inline constexpr std::string_view kListAccountSql =
    "SELECT " POPFETCHD_SUMMARY_COLUMNS
    " FROM messages m WHERE m.account = ?1 ORDER BY m.fetched_at DESC, m.id DESC LIMIT ?2";

#undef POPFETCHD_SUMMARY_COLUMNS

}  // namespace store
