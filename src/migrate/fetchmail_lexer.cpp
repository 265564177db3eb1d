#include "migrate/fetchmail_lexer.hpp"

#include <cctype>

namespace migrate {
namespace {

bool separator(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' || c == ';'; }

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// `i` is at the backslash; returns the byte and leaves `i` on the escape's last character.
char escape(std::string_view text, std::size_t& i) {
  const char c = text[++i];
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'b': return '\b';
    default: break;
  }
  int value = 0;
  if (c == 'x') {
    int digits = 0;
    while (digits < 2 && i + 1 < text.size() && digit_value(text[i + 1]) < 16) {
      value = value * 16 + digit_value(text[++i]);
      ++digits;
    }
    return digits == 0 ? 'x' : static_cast<char>(value);
  }
  if (c >= '0' && c <= '7') {
    value = c - '0';
    for (int digits = 1; digits < 3 && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7'; ++digits) {
      value = value * 8 + (text[++i] - '0');
    }
    return static_cast<char>(value);
  }
  return c;  // \\ \" \' and anything else: the character itself
}

}  // namespace

common::Result<std::vector<RcToken>> lex_fetchmailrc(std::string_view text) {
  std::vector<RcToken> tokens;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (separator(c)) continue;
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    RcToken token{{}, false, line};
    if (c == '"' || c == '\'') {
      token.quoted = true;
      for (++i;; ++i) {
        if (i >= text.size() || (text[i] == '\\' && i + 1 >= text.size())) {
          return common::make_error(common::ErrorKind::Config,
                                    "line " + std::to_string(token.line) + ": unterminated string");
        }
        if (text[i] == c) break;
        if (text[i] == '\n') ++line;
        token.text += text[i] == '\\' ? escape(text, i) : text[i];
      }
    } else {
      while (i < text.size() && !separator(text[i]) && text[i] != '#') token.text += text[i++];
      --i;
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace migrate
