#include "net/tls_session_cache.hpp"

#include <mbedtls/ssl.h>

#include <cstring>

// mbedTLS 3.x hides the struct fields behind MBEDTLS_PRIVATE(); 2.28 has none.
#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(member) member
#endif

namespace net {

struct TlsSessionCache::Saved {
  mbedtls_ssl_session session;
  Saved() { mbedtls_ssl_session_init(&session); }
  ~Saved() { mbedtls_ssl_session_free(&session); }  // zeroizes the master secret
  Saved(const Saved&) = delete;
  Saved& operator=(const Saved&) = delete;
};

TlsSessionCache::TlsSessionCache() = default;
TlsSessionCache::~TlsSessionCache() = default;

void TlsSessionCache::set_scope(std::string scope) {
  if (scope != scope_) clear();
  scope_ = std::move(scope);
}

void TlsSessionCache::clear() {
  saved_.reset();
  key_.clear();
}

bool TlsSessionCache::offer(mbedtls_ssl_context& ssl, const std::string& key) {
  if (!saved_) return false;
  if (key != key_) {
    clear();
    return false;
  }
  return mbedtls_ssl_set_session(&ssl, &saved_->session) == 0;
}

bool TlsSessionCache::save(const mbedtls_ssl_context& ssl, const std::string& key) {
  auto fresh = std::make_unique<Saved>();
  if (mbedtls_ssl_get_session(&ssl, &fresh->session) != 0) {
    clear();
    return false;
  }
  // A resumed TLS 1.2 session keeps its master secret; a full handshake
  // (even one that reuses the session id) derives a new one.
  // TLS 1.3 resumes by PSK and leaves `master` unused: never "resumed" by this test.
  const bool resumed =
      saved_ && key == key_ && std::strcmp(mbedtls_ssl_get_version(&ssl), "TLSv1.2") == 0 &&
      std::memcmp(saved_->session.MBEDTLS_PRIVATE(master), fresh->session.MBEDTLS_PRIVATE(master),
                  sizeof fresh->session.MBEDTLS_PRIVATE(master)) == 0;
  saved_ = std::move(fresh);
  key_ = key;
  return resumed;
}

}  // namespace net
