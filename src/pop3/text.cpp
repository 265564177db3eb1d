#include "pop3/text.hpp"

namespace pop3 {
namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::string sanitize_server_text(std::string_view untrusted, std::size_t max_length) {
  const bool cut = untrusted.size() > max_length;
  const std::string_view kept = cut ? untrusted.substr(0, max_length) : untrusted;
  std::string out;
  out.reserve(kept.size() + 3);
  for (unsigned char c : kept) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  if (cut) out += "...";
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = upper(c);
  return out;
}

bool has_line_break_or_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace pop3
