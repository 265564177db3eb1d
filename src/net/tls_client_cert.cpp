#include "net/tls_client_cert.hpp"

#include <mbedtls/version.h>

#include <string_view>

#include "net/mbed_error.hpp"
#include "net/sha256.hpp"
#include "net/tls_trust.hpp"

namespace net::detail {
namespace {

using common::ErrorKind;
using common::make_error;

// mbedTLS 3.x takes a random generator for the blinding of private-key
// operations while parsing and checking a key; 2.28 has no such parameter.
int parse_keyfile(mbedtls_pk_context& key, const std::string& path, Rng& rng) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_pk_parse_keyfile(&key, path.c_str(), nullptr, Rng::random, &rng);
#else
  (void)rng;
  return mbedtls_pk_parse_keyfile(&key, path.c_str(), nullptr);
#endif
}

int check_pair(const mbedtls_pk_context& public_key, const mbedtls_pk_context& private_key, Rng& rng) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return mbedtls_pk_check_pair(&public_key, &private_key, Rng::random, &rng);
#else
  (void)rng;
  return mbedtls_pk_check_pair(&public_key, &private_key);
#endif
}

}  // namespace

ClientCertificate::ClientCertificate() {
  mbedtls_x509_crt_init(&chain_);
  mbedtls_pk_init(&key_);
}

ClientCertificate::~ClientCertificate() {
  mbedtls_pk_free(&key_);
  mbedtls_x509_crt_free(&chain_);
}

common::Result<std::unique_ptr<ClientCertificate>> ClientCertificate::load(const std::string& cert_file,
                                                                           const std::string& key_file,
                                                                           Rng& rng) {
  std::unique_ptr<ClientCertificate> loaded(new ClientCertificate());
  int ret = mbedtls_x509_crt_parse_file(&loaded->chain_, cert_file.c_str());
  // A positive result counts certificates that failed to parse beside good ones.
  if (ret != 0 || loaded->chain_.raw.p == nullptr) {
    return make_error(ErrorKind::Config, "tls_client_cert " + cert_file +
                                             ": cannot read a PEM certificate: " + mbed_error_text(ret));
  }
  ret = parse_keyfile(loaded->key_, key_file, rng);
  if (ret != 0) {
    return make_error(ErrorKind::Config, "tls_client_key " + key_file +
                                             ": cannot read an unencrypted PEM private key: " +
                                             mbed_error_text(ret));
  }
  if (check_pair(loaded->chain_.pk, loaded->key_, rng) != 0) {
    return make_error(ErrorKind::Config, "tls_client_key " + key_file +
                                             " is not the private key of the certificate in tls_client_cert " +
                                             cert_file);
  }
  const std::string_view der(reinterpret_cast<const char*>(loaded->chain_.raw.p), loaded->chain_.raw.len);
  loaded->fingerprint_ = format_sha256_fingerprint(sha256(der));
  return loaded;
}

}  // namespace net::detail
