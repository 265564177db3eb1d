#pragma once
// The hashes POP3 authentication needs (MD5 for APOP, RFC 1939 §7;
// HMAC-MD5 for CRAM-MD5, RFC 2195; SHA-1/SHA-256, their HMAC and PBKDF2 for
// SCRAM, RFC 5802/7677) and the random bytes of a SCRAM nonce, supplied by
// the caller so the engine stays free of any crypto library.
// net::MbedDigests implements it with mbedTLS; tests may use a table of
// known vectors.
// The SCRAM members have defaults that return "": a Digests without them
// (the engine's table-driven tests) makes SCRAM unavailable, never wrong.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pop3 {

using Md5Digest = std::array<std::uint8_t, 16>;

enum class ScramHash { Sha1, Sha256 };

class Digests {
 public:
  virtual ~Digests() = default;
  virtual Md5Digest md5(std::string_view data) const = 0;
  virtual Md5Digest hmac_md5(std::string_view key, std::string_view data) const = 0;

  // The raw digest bytes (20 for SHA-1, 32 for SHA-256); "" when unavailable.
  virtual std::string hash(ScramHash /*hash*/, std::string_view /*data*/) const { return {}; }
  virtual std::string hmac(ScramHash /*hash*/, std::string_view /*key*/, std::string_view /*data*/) const {
    return {};
  }
  // PBKDF2-HMAC (RFC 8018) with one block of output: SCRAM's Hi().
  virtual std::string pbkdf2(ScramHash /*hash*/, std::string_view /*password*/, std::string_view /*salt*/,
                             std::uint32_t /*iterations*/) const {
    return {};
  }
  // `count` bytes from a cryptographically secure generator; "" when none.
  virtual std::string random_bytes(std::size_t /*count*/) const { return {}; }
};

}  // namespace pop3
