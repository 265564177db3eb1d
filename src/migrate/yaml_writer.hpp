#pragma once
// Renders a Translation (draft.hpp) as popfetchd YAML that config::load_string
// accepts: a header comment, the file's notes, then `accounts:` with each
// account's notes as comments above its entry. Strings are double-quoted with
// escapes, so every password and path reads back byte for byte. Pure: no I/O.

#include <string>
#include <string_view>

#include "migrate/draft.hpp"

namespace migrate {

// `tool` ("fetchmail") and `source_file` only go into the header comment.
std::string write_yaml(const Translation& translation, std::string_view tool, std::string_view source_file);

// A YAML double-quoted scalar: \\, \" and control characters escaped.
std::string yaml_quote(std::string_view text);

}  // namespace migrate
