#pragma once
// Making untrusted text (anything a server sent) safe to put in a log line,
// an error message or the health JSON: one line, printable, bounded.

#include <cstddef>
#include <string>
#include <string_view>

namespace common {

// Server text in our messages is cut at this many bytes: enough for any honest
// -ERR explanation, small enough that a hostile server cannot flood the journal.
inline constexpr std::size_t kMaxQuotedServerText = 200;

// Replaces control characters and bytes >= 0x7f with '?', and cuts the text at
// `max_length` bytes, appending "..." when it did.
std::string sanitize(std::string_view untrusted, std::size_t max_length = kMaxQuotedServerText);

}  // namespace common
