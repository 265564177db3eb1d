#pragma once
// The words of a .fetchmailrc, as fetchmail's own lexer sees them: blanks and
// the noise characters ',', ':' and ';' separate words, '#' starts a comment,
// and "..." or '...' quote a string with C escapes (\n \t \r \b \\ \" \' \xHH
// \NNN). Pure: no I/O.
// Errors: Config, "line N: ..." (an unterminated string).

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace migrate {

struct RcToken {
  std::string text;
  bool quoted = false;  // a quoted string is never a keyword
  int line = 0;         // 1-based
};

common::Result<std::vector<RcToken>> lex_fetchmailrc(std::string_view text);

}  // namespace migrate
