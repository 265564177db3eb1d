#pragma once
// net::TlsSessionCache: the TLS session of an account's last good connection
// (mbedTLS's mbedtls_ssl_session: for TLS 1.2 the session id, master secret
// and the server's ticket when it issued one; for TLS 1.3 the last ticket the
// server sent), so that the next poll resumes it (no certificate; TLS 1.2:
// one round trip instead of two) instead of a full handshake. In memory only.
//
// A session is offered only under the key it was stored with: the server's
// name, the certificate check, the CA file and the pins (TlsSession builds
// it), plus the owner's scope (server:port and proxy, set_scope()). Anything
// else changed: the cache is cleared. Only a handshake that completed and
// passed every check (verification and pins) stores a session, so a failed
// verification never leaves one behind.
//
// Owns: at most one saved session, serialized (zeroized when dropped).
// Owned by whoever outlives a poll (the daemon's per-account slot) and shared
// with each TlsSession through TlsOptions::session_cache. Loop thread only.
// Errors: none; a session mbedTLS will not save or take is simply not resumed.

#include <memory>
#include <string>

struct mbedtls_ssl_context;

namespace net {

class TlsSessionCache {
 public:
  TlsSessionCache();
  ~TlsSessionCache();
  TlsSessionCache(const TlsSessionCache&) = delete;
  TlsSessionCache& operator=(const TlsSessionCache&) = delete;

  // Where the connections go ("pop.example.com:995 via 127.0.0.1:9050"):
  // a different scope than the saved session's clears it.
  void set_scope(std::string scope);
  bool empty() const { return saved_ == nullptr; }
  void clear();

  // ---- for TlsSession ----
  // Before the handshake: gives `ssl` the saved session when `key` matches
  // (true), else clears the cache (false).
  bool offer(mbedtls_ssl_context& ssl, const std::string& key);
  // After a handshake that passed every check (TLS 1.2), or when a TLS 1.3
  // server sent a ticket after one: saves the session under `key`. False
  // (and the cache cleared) when mbedTLS would not export it.
  bool save(const mbedtls_ssl_context& ssl, const std::string& key);

  struct Saved;  // the mbedTLS session, defined in tls_session_cache.cpp

 private:
  std::string scope_;
  std::string key_;  // of saved_
  std::unique_ptr<Saved> saved_;
};

}  // namespace net
