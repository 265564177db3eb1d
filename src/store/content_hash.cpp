#include "store/content_hash.hpp"

namespace store {

std::string sha256_hex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (std::uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

std::string content_hash_uidl(std::string_view raw, const Sha256Function& sha256) {
  return "sha256:" + sha256_hex(sha256(raw));
}

std::string imported_uidl(std::string_view raw, const Sha256Function& sha256) {
  return std::string(kImportedUidlPrefix) + content_hash_uidl(raw, sha256);
}

}  // namespace store
