#pragma once
// Translates a getmail rc file (getmail(1) "configuration file": INI sections
// [retriever], [destination], [options], [filter-*]) into one Draft. IMAP
// retrievers give no account (a file note); keys without a popfetchd
// equivalent become notes. Pure.
// Errors: Config, "line N: ..." (a line that is neither a section, a key nor a
// comment; a key before any section), or a missing [retriever] type/server.

#include <string_view>

#include "common/result.hpp"
#include "migrate/draft.hpp"

namespace migrate {

common::Result<Translation> from_getmail(std::string_view text);

// A Python tuple of strings as getmail reads `arguments` and
// `password_command`: ("a", 'b',) or a bare string; nullopt when malformed.
std::optional<std::vector<std::string>> python_strings(std::string_view text);

}  // namespace migrate
