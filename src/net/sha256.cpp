#include "net/sha256.hpp"

#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

namespace net {

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> digest{};
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  mbedtls_sha256(bytes, data.size(), digest.data(), 0);
#else
  mbedtls_sha256_ret(bytes, data.size(), digest.data(), 0);
#endif
  return digest;
}

std::string format_sha256_fingerprint(const std::array<std::uint8_t, 32>& digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "sha256:";
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i > 0) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace net
