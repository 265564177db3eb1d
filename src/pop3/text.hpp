#pragma once
// Small text helpers for the engine: case-insensitive ASCII comparison and the
// check for line breaks. Pure functions; they own nothing and never fail.
// Quoting server text is common/sanitize.hpp's job (one rule for everyone).

#include <string>
#include <string_view>

namespace pop3 {

// ASCII-only case-insensitive equality (POP3 keywords are ASCII).
bool iequals(std::string_view a, std::string_view b);

// ASCII upper-casing; other bytes are kept as they are.
std::string to_upper(std::string_view text);

// True when `text` contains CR, LF or NUL: such a string can never go into a
// command line, it would end the command early or inject another one.
bool has_line_break_or_nul(std::string_view text);

}  // namespace pop3
