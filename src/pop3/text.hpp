#pragma once
// Small text helpers for the engine: making untrusted server text safe to quote
// and case-insensitive ASCII comparison. Pure functions; they own nothing and
// never fail. (src/common has its own sanitize(); the engine does not depend
// on src/common, so it keeps this tiny copy of the rule.)

#include <cstddef>
#include <string>
#include <string_view>

#include "pop3/limits.hpp"

namespace pop3 {

// Replaces every byte outside printable ASCII (0x20..0x7E) with '?', and cuts
// the text at `max_length` bytes, appending "..." when it did.
std::string sanitize_server_text(std::string_view untrusted, std::size_t max_length = kMaxQuotedServerText);

// ASCII-only case-insensitive equality (POP3 keywords are ASCII).
bool iequals(std::string_view a, std::string_view b);

// ASCII upper-casing; other bytes are kept as they are.
std::string to_upper(std::string_view text);

// True when `text` contains CR, LF or NUL: such a string can never go into a
// command line, it would end the command early or inject another one.
bool has_line_break_or_nul(std::string_view text);

}  // namespace pop3
