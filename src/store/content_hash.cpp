#include "store/content_hash.hpp"

namespace store {

std::string content_hash_uidl(std::string_view raw, const Sha256Function& sha256) {
  static constexpr char kHex[] = "0123456789abcdef";
  const Sha256Digest digest = sha256(raw);
  std::string out = "sha256:";
  for (std::uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

std::string imported_uidl(std::string_view raw, const Sha256Function& sha256) {
  return std::string(kImportedUidlPrefix) + content_hash_uidl(raw, sha256);
}

}  // namespace store
