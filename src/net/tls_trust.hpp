#pragma once
// Internal to net/: the mbedTLS state every TLS session shares instead of
// building per connection — one CTR-DRBG random generator for the process, and
// one parsed CA chain per CA file (re-read when the file changes on disk).
// Owns those mbedTLS contexts (RAII); never touches a socket.
// Errors: ErrorKind::Tls when the random generator cannot be seeded,
// ErrorKind::Config when a CA file is missing, unreadable or holds no certificate.

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.hpp"

namespace net::detail {

// Seeded once; sessions keep a shared_ptr so it outlives every one of them.
// mbedTLS is built without MBEDTLS_THREADING_C on Debian, so the generator is
// used under a mutex: sessions on different threads stay safe.
class Rng {
 public:
  static common::Result<std::shared_ptr<Rng>> shared();
  ~Rng();
  Rng(const Rng&) = delete;
  Rng& operator=(const Rng&) = delete;

  // The f_rng of mbedtls_ssl_conf_rng; `self` is the Rng.
  static int random(void* self, unsigned char* out, std::size_t length);

 private:
  Rng();
  std::mutex mutex_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
};

// A parsed CA bundle. mbedTLS only reads the chain while verifying, so one
// instance serves any number of concurrent sessions.
class TrustStore {
 public:
  TrustStore();
  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  mbedtls_x509_crt* chain() { return &chain_; }

 private:
  mbedtls_x509_crt chain_;
};

// The path used when TlsOptions::ca_file is empty: the first system bundle
// that exists, or "" when none does.
std::string system_ca_bundle();

// The trust store for `ca_file` ("" = system bundle), parsed on first use and
// again only when the file's size or modification time changed.
common::Result<std::shared_ptr<TrustStore>> trust_store(const std::string& ca_file);

}  // namespace net::detail
