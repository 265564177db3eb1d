#include "store/pg/conninfo.hpp"

#include <algorithm>
#include <cctype>

namespace store::pg {
namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char p, char t) { return std::tolower(static_cast<unsigned char>(t)) == p; });
}

// Masks the value of every "password=" that starts a parameter: after `?`,
// `&`, whitespace or at the start (the key=value form). A quoted value in the
// key=value form ends at its closing quote.
std::string mask_password_parameters(std::string text) {
  static constexpr std::string_view kKey = "password=";
  std::size_t from = 0;
  while (true) {
    std::size_t at = from;
    while (at < text.size() && !starts_with_ci(std::string_view(text).substr(at), kKey)) ++at;
    if (at >= text.size()) return text;
    const bool starts_parameter = at == 0 || text[at - 1] == '?' || text[at - 1] == '&' ||
                                  std::isspace(static_cast<unsigned char>(text[at - 1])) != 0;
    const std::size_t value = at + kKey.size();
    if (!starts_parameter) {
      from = value;
      continue;
    }
    std::size_t end = value;
    if (end < text.size() && text[end] == '\'') {
      ++end;
      while (end < text.size() && text[end] != '\'') end += text[end] == '\\' ? 2 : 1;
      end = std::min(text.size(), end + 1);
    } else {
      while (end < text.size() && text[end] != '&' && text[end] != '#' &&
             std::isspace(static_cast<unsigned char>(text[end])) == 0) {
        ++end;
      }
    }
    text.replace(value, end - value, "***");
    from = value + 3;
  }
}

}  // namespace

bool is_postgres_uri(std::string_view database) {
  return starts_with_ci(database, "postgresql://") || starts_with_ci(database, "postgres://");
}

std::string sanitize_conninfo(std::string_view conninfo) {
  std::string text(conninfo);
  if (is_postgres_uri(text)) {
    // user-info ends at the last '@' before the path: a password may hold '@'
    // only percent-encoded, but be generous.
    const std::size_t scheme_end = text.find("://") + 3;
    std::size_t path = text.find_first_of("/?", scheme_end);
    if (path == std::string::npos) path = text.size();
    const std::size_t at = text.rfind('@', path);
    if (at != std::string::npos && at >= scheme_end) {
      const std::size_t colon = text.find(':', scheme_end);
      if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, "***");
    }
  }
  return mask_password_parameters(std::move(text));
}

}  // namespace store::pg
