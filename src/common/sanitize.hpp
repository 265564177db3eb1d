#pragma once
// Making untrusted text (anything a server sent) safe to put in a log line,
// an error message or the health JSON: one line, printable, bounded, and
// without our secrets in it. The one copy of these rules: every folder,
// the pure POP3 engine included, uses this header (it needs only the
// standard library). Pure functions, except wipe_secret() which overwrites
// its argument; nothing here fails or keeps state.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace common {

// Server text in our messages is cut at this many bytes: enough for any honest
// -ERR explanation, small enough that a hostile server cannot flood the journal.
inline constexpr std::size_t kMaxQuotedServerText = 200;

// Replaces control characters and bytes >= 0x7f with '?', and cuts the text at
// `max_length` bytes, appending "..." when it did.
std::string sanitize(std::string_view untrusted, std::size_t max_length = kMaxQuotedServerText);

// Replaces every occurrence of each non-empty secret in `text` by "***" (the
// longest one where several match at the same place). Redact raw server text
// before sanitize(): sanitising first could change a secret's bytes or cut it
// in half, and half a password is still a leak.
std::string redact(std::string_view text, std::span<const std::string> secrets);

// redact() then sanitize(): how server text goes into our messages.
std::string quote_untrusted(std::string_view untrusted, std::span<const std::string> secrets,
                            std::size_t max_length = kMaxQuotedServerText);

// Overwrites the string's bytes in a way the optimiser may not drop
// (explicit_bzero), then empties it and releases its buffer.
void wipe_secret(std::string& secret);

}  // namespace common
