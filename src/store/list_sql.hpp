#pragma once
// The SQL of Archive::list (archive_queries.cpp), in a header of its own so
// that a test can ask SQLite for its query plan: newest first must be an
// index walk that stops after LIMIT rows, never a sort of the whole table
// (`list --limit 50` over 100,000 messages answers in milliseconds).
// Constants only.

#include <string_view>

namespace store {

// The columns of a MessageSummary, in read_summary()'s order.
inline constexpr std::string_view kSummaryColumns =
    "m.id, m.account, m.uidl, m.date, m.from_addr, m.subject, m.size, m.fetched_at, m.deleted_at";

// ?1: LIMIT (-1: none). Walks messages_fetched_at backwards.
inline constexpr std::string_view kListAllSql =
    "SELECT m.id, m.account, m.uidl, m.date, m.from_addr, m.subject, m.size, m.fetched_at, m.deleted_at"
    " FROM messages m ORDER BY m.fetched_at DESC, m.id DESC LIMIT ?1";
// ?1: account, ?2: LIMIT. Walks messages_account_fetched_at backwards.
inline constexpr std::string_view kListAccountSql =
    "SELECT m.id, m.account, m.uidl, m.date, m.from_addr, m.subject, m.size, m.fetched_at, m.deleted_at"
    " FROM messages m WHERE m.account = ?1 ORDER BY m.fetched_at DESC, m.id DESC LIMIT ?2";

}  // namespace store
