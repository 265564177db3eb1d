#include "net/mbed_digests.hpp"

#include <mbedtls/md.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

namespace net {
namespace {

const mbedtls_md_info_t* info(const void* p) { return static_cast<const mbedtls_md_info_t*>(p); }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

common::Result<std::unique_ptr<MbedDigests>> MbedDigests::create() {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  // mbedTLS 3.x may route mbedtls_md through PSA, which must be initialised.
  if (psa_crypto_init() != PSA_SUCCESS) {
    return common::make_error(common::ErrorKind::Config, "cannot initialise the PSA crypto library");
  }
#endif
  const mbedtls_md_info_t* md5 = mbedtls_md_info_from_type(MBEDTLS_MD_MD5);
  if (md5 == nullptr) {
    return common::make_error(common::ErrorKind::Config,
                              "this mbedTLS build has no MD5: APOP and CRAM-MD5 are unavailable");
  }
  return std::unique_ptr<MbedDigests>(new MbedDigests(md5));
}

// mbedtls_md and mbedtls_md_hmac only fail for a null descriptor, which
// create() rules out. Should one fail anyway, the digest stays all zeros: the
// server then rejects the login, which is safer than crashing the daemon.
pop3::Md5Digest MbedDigests::md5(std::string_view data) const {
  pop3::Md5Digest out{};
  (void)mbedtls_md(info(md5_info_), bytes(data), data.size(), out.data());
  return out;
}

pop3::Md5Digest MbedDigests::hmac_md5(std::string_view key, std::string_view data) const {
  pop3::Md5Digest out{};
  (void)mbedtls_md_hmac(info(md5_info_), bytes(key), key.size(), bytes(data), data.size(), out.data());
  return out;
}

}  // namespace net
