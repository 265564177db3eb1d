#pragma once
// net::MbedDigests: pop3::Digests (MD5 for APOP, HMAC-MD5 for CRAM-MD5)
// computed with mbedTLS's generic message-digest layer, which has the same API
// on mbedTLS 2.28 and 3.x.
// Owns nothing but a pointer to mbedTLS's static MD5 descriptor; never touches
// a socket or the network. create() returns ErrorKind::Config when the mbedTLS
// build has no MD5 (both hashes are then unusable, so say so once, up front).

#include <memory>

#include "common/result.hpp"
#include "pop3/digests.hpp"

namespace net {

class MbedDigests final : public pop3::Digests {
 public:
  static common::Result<std::unique_ptr<MbedDigests>> create();

  pop3::Md5Digest md5(std::string_view data) const override;
  pop3::Md5Digest hmac_md5(std::string_view key, std::string_view data) const override;

 private:
  explicit MbedDigests(const void* md5_info) : md5_info_(md5_info) {}
  const void* md5_info_;  // const mbedtls_md_info_t*, kept opaque so this header needs no mbedTLS
};

}  // namespace net
