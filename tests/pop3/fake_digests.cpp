#include "fake_digests.hpp"

#include <stdexcept>

namespace pop3::testing {

Md5Digest digest_from_hex(std::string_view hex) {
  if (hex.size() != 32) throw std::invalid_argument("digest_from_hex: need 32 hex digits");
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    throw std::invalid_argument("digest_from_hex: not lower-case hex");
  };
  Md5Digest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    digest[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return digest;
}

FakeDigests::FakeDigests() {
  md5_[std::string(kApopTimestamp) + std::string(kApopPassword)] = digest_from_hex(kApopDigest);
  hmac_[{std::string(kCramPassword), std::string(kCramChallenge)}] =
      digest_from_hex("b913a602c7eda7a495b4e6e7334d3890");
}

Md5Digest FakeDigests::md5(std::string_view data) const {
  auto it = md5_.find(std::string(data));
  if (it == md5_.end()) {
    ++misses_;
    return {};
  }
  return it->second;
}

Md5Digest FakeDigests::hmac_md5(std::string_view key, std::string_view data) const {
  auto it = hmac_.find({std::string(key), std::string(data)});
  if (it == hmac_.end()) {
    ++misses_;
    return {};
  }
  return it->second;
}

}  // namespace pop3::testing
