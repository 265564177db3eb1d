#pragma once
// net::MbedDigests: pop3::Digests (MD5 for APOP, HMAC-MD5 for CRAM-MD5,
// SHA-1/SHA-256, HMAC and PBKDF2 for SCRAM) computed with mbedTLS's generic
// message-digest layer, which has the same API on mbedTLS 2.28 and 3.x, and
// SCRAM nonces from the process's CTR-DRBG (the one TLS uses).
// Owns a pointer to mbedTLS's static MD5 descriptor and a share of the random
// generator; never touches a socket or the network. create() returns
// ErrorKind::Config when the mbedTLS build has no MD5 (both hashes are then
// unusable, so say so once, up front), ErrorKind::Tls when the generator
// cannot be seeded. A build without SHA-1 or SHA-256 answers "" for that hash
// (SCRAM with it then fails with a clear error).

#include <memory>
#include <string>

#include "common/result.hpp"
#include "pop3/digests.hpp"

namespace net {
namespace detail {
class Rng;
}

class MbedDigests final : public pop3::Digests {
 public:
  static common::Result<std::unique_ptr<MbedDigests>> create();

  pop3::Md5Digest md5(std::string_view data) const override;
  pop3::Md5Digest hmac_md5(std::string_view key, std::string_view data) const override;
  std::string hash(pop3::ScramHash hash, std::string_view data) const override;
  std::string hmac(pop3::ScramHash hash, std::string_view key, std::string_view data) const override;
  std::string pbkdf2(pop3::ScramHash hash, std::string_view password, std::string_view salt,
                     std::uint32_t iterations) const override;
  std::string random_bytes(std::size_t count) const override;

 private:
  MbedDigests(const void* md5_info, std::shared_ptr<detail::Rng> rng)
      : md5_info_(md5_info), rng_(std::move(rng)) {}
  const void* md5_info_;
  std::shared_ptr<detail::Rng> rng_;  // const mbedtls_md_info_t*, kept opaque so this header needs no mbedTLS
};

}  // namespace net
