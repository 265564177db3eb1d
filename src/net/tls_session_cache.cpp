#include "net/tls_session_cache.hpp"

#include <mbedtls/ssl.h>

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
  saved_ = std::move(fresh);
  key_ = key;
  return true;
}

}  // namespace net
