#pragma once
// The two hashes POP3 authentication needs (MD5 for APOP, RFC 1939 §7;
// HMAC-MD5 for CRAM-MD5, RFC 2195), supplied by the caller so the engine stays
// free of any crypto library. net::MbedDigests implements it with mbedTLS;
// tests may use a table of known vectors.

#include <array>
#include <cstdint>
#include <string_view>

namespace pop3 {

using Md5Digest = std::array<std::uint8_t, 16>;

class Digests {
 public:
  virtual ~Digests() = default;
  virtual Md5Digest md5(std::string_view data) const = 0;
  virtual Md5Digest hmac_md5(std::string_view key, std::string_view data) const = 0;
};

}  // namespace pop3
