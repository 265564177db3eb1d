#include "deliver/maildir_name.hpp"

#include <array>
#include <cstdio>

namespace deliver {
namespace {

// FNV-1a: tiny, and its output is fixed by its definition (std::hash is not
// stable across library versions, and the names must never change).
std::uint32_t fnv1a(std::string_view a, std::string_view b) {
  std::uint32_t hash = 2166136261u;
  auto mix = [&hash](std::string_view bytes) {
    for (char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 16777619u;
    }
  };
  mix(a);
  mix(std::string_view("\0", 1));
  mix(b);
  return hash;
}

}  // namespace

MaildirKey maildir_key(const Message& message) {
  return MaildirKey{message.id, message.account, message.uidl, message.fetched_at};
}

std::string maildir_unique(const MaildirKey& key) {
  std::array<char, 16> hash{};
  std::snprintf(hash.data(), hash.size(), "%08x", static_cast<unsigned>(fnv1a(key.account, key.uidl)));
  return std::to_string(key.fetched_at) + ".M" + std::to_string(key.id) + "H" + hash.data() + ".popfetchd";
}

std::string maildir_base_name(const MaildirKey& key, std::size_t lf_size) {
  return maildir_unique(key) + ",S=" + std::to_string(lf_size);
}

std::string_view maildir_unique_of(std::string_view entry) {
  return entry.substr(0, entry.find_first_of(",:"));
}

bool is_maildir_entry_of(std::string_view entry, std::string_view unique) {
  return !unique.empty() && maildir_unique_of(entry) == unique;
}

}  // namespace deliver
