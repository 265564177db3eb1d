#include "common/sanitize.hpp"

#include <cstring>

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

std::string redact(std::string_view text, std::span<const std::string> secrets) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t longest = 0;
    for (const std::string& secret : secrets) {
      if (!secret.empty() && secret.size() > longest && text.substr(i, secret.size()) == secret) {
        longest = secret.size();
      }
    }
    if (longest > 0) {
      out += "***";
      i += longest;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string quote_untrusted(std::string_view untrusted, std::span<const std::string> secrets,
                            std::size_t max_length) {
  if (secrets.empty()) return sanitize(untrusted, max_length);
  return sanitize(redact(untrusted, secrets), max_length);
}

void wipe_secret(std::string& secret) {
  if (!secret.empty()) ::explicit_bzero(secret.data(), secret.size());
  secret.clear();
  secret.shrink_to_fit();
}

}  // namespace common
