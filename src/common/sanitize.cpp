#include "common/sanitize.hpp"

namespace common {

std::string sanitize(std::string_view untrusted, std::size_t max_length) {
  std::string out;
  const bool cut = untrusted.size() > max_length;
  const std::string_view kept = cut ? untrusted.substr(0, max_length) : untrusted;
  out.reserve(kept.size() + 3);
  for (unsigned char c : kept) {
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (cut) out += "...";
  return out;
}

}  // namespace common
