#pragma once
// net::TlsSession: the client side of one TLS connection, run entirely over
// memory buffers. The caller moves ciphertext between it and the network
// (feed_ciphertext / take_ciphertext); the session never touches a socket,
// never blocks and never calls back into the caller, so every TLS path is
// testable in memory against an in-memory server.
//
// Owns its mbedTLS config and context (RAII) and a share of the process-wide
// random generator and of the parsed CA bundle (see tls_trust.hpp).
// Errors: ErrorKind::Tls for handshake, verification and record failures (the
// verification failure in words: "certificate has expired", ...), and
// ErrorKind::Config from create() when the CA file cannot be used. After an
// error the session is dead: every later call fails or yields nothing.
//
// Not thread-safe: one session is used by one thread at a time.

#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "net/tls_options.hpp"

namespace net {

class TlsSession {
 public:
  enum class Handshake { NeedMore, Done };

  // Plaintext decrypted from the ciphertext fed so far. `closed`: the server
  // sent close_notify; nothing more will come.
  struct Plaintext {
    std::string bytes;
    bool closed = false;
  };

  static common::Result<TlsSession> create(const TlsOptions& options);

  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;
  ~TlsSession();

  // Bytes from the network. Kept until the handshake or read_plaintext()
  // consumes them; the caller bounds this by feeding what one read returned.
  void feed_ciphertext(std::string_view bytes);
  // Bytes to send to the network (handshake messages, records, alerts).
  std::string take_ciphertext();
  bool has_ciphertext() const;

  // Advances the handshake with what has been fed; send take_ciphertext()
  // afterwards. NeedMore: feed the server's answer and call again.
  common::Result<Handshake> handshake();
  bool handshake_done() const;

  // Encrypts all of `plaintext` (split into records as needed) into the
  // ciphertext buffer. Only after the handshake is done.
  common::Status write(std::string_view plaintext);

  // Decrypts as much as the fed ciphertext allows: at most about what was fed.
  common::Result<Plaintext> read_plaintext();

  // Queues a close_notify alert (then send take_ciphertext()). Idempotent.
  void close_notify();

  // Valid after the handshake is done; empty strings before.
  TlsInfo info() const;

  struct State;  // opaque: the mbedTLS contexts and buffers, defined in tls_session.cpp

 private:
  explicit TlsSession(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace net
