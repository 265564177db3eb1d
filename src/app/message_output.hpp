#pragma once
// How `list` and `search` print archived messages: a table for people
// (columns sized by characters, control bytes of strangers' mail dropped) or
// JSON for scripts. Writes to stdout only.
//
// JSON: one object on one line, {"messages": [...]} (search adds "total":
// every match, beyond --limit). Each message: id, account, uidl, date (the
// Date: header as unix seconds, or null), from, subject, size, fetched_at,
// deleted_at (unix seconds or null). Invalid UTF-8 becomes U+FFFD.

#include <cstdint>
#include <optional>
#include <vector>

#include "store/archive.hpp"

namespace app {

void print_message_table(const std::vector<store::MessageSummary>& messages);

void print_messages_json(const std::vector<store::MessageSummary>& messages,
                         std::optional<std::int64_t> total);

}  // namespace app
