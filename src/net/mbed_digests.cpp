#include "net/mbed_digests.hpp"

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/version.h>

#include "net/tls_trust.hpp"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

namespace net {
namespace {

const mbedtls_md_info_t* info(const void* p) { return static_cast<const mbedtls_md_info_t*>(p); }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

const mbedtls_md_info_t* scram_info(pop3::ScramHash hash) {
  return mbedtls_md_info_from_type(hash == pop3::ScramHash::Sha1 ? MBEDTLS_MD_SHA1 : MBEDTLS_MD_SHA256);
}

unsigned char* out_bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

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
  auto rng = detail::Rng::shared();
  if (!rng) return rng.error();
  return std::unique_ptr<MbedDigests>(new MbedDigests(md5, std::move(*rng)));
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

std::string MbedDigests::hash(pop3::ScramHash hash, std::string_view data) const {
  const mbedtls_md_info_t* md = scram_info(hash);
  if (md == nullptr) return {};
  std::string out(mbedtls_md_get_size(md), '\0');
  if (mbedtls_md(md, bytes(data), data.size(), out_bytes(out)) != 0) return {};
  return out;
}

std::string MbedDigests::hmac(pop3::ScramHash hash, std::string_view key, std::string_view data) const {
  const mbedtls_md_info_t* md = scram_info(hash);
  if (md == nullptr) return {};
  std::string out(mbedtls_md_get_size(md), '\0');
  if (mbedtls_md_hmac(md, bytes(key), key.size(), bytes(data), data.size(), out_bytes(out)) != 0) return {};
  return out;
}

std::string MbedDigests::pbkdf2(pop3::ScramHash hash, std::string_view password, std::string_view salt,
                                std::uint32_t iterations) const {
  const mbedtls_md_info_t* md = scram_info(hash);
  if (md == nullptr) return {};
  std::string out(mbedtls_md_get_size(md), '\0');
#if MBEDTLS_VERSION_NUMBER >= 0x03030000
  const int ret = mbedtls_pkcs5_pbkdf2_hmac_ext(mbedtls_md_get_type(md), bytes(password), password.size(),
                                                bytes(salt), salt.size(), iterations,
                                                static_cast<std::uint32_t>(out.size()), out_bytes(out));
#else
  mbedtls_md_context_t context;
  mbedtls_md_init(&context);
  int ret = mbedtls_md_setup(&context, md, 1);
  if (ret == 0) {
    ret = mbedtls_pkcs5_pbkdf2_hmac(&context, bytes(password), password.size(), bytes(salt), salt.size(),
                                    iterations, static_cast<std::uint32_t>(out.size()), out_bytes(out));
  }
  mbedtls_md_free(&context);  // also wipes the HMAC pads derived from the password
#endif
  if (ret != 0) return {};
  return out;
}

std::string MbedDigests::random_bytes(std::size_t count) const {
  std::string out(count, '\0');
  if (detail::Rng::random(rng_.get(), out_bytes(out), count) != 0) return {};
  return out;
}

}  // namespace net
