#pragma once
// Test-only: the server side of TLS over memory buffers, mirroring
// net::TlsSession, so the client can be exercised with no socket at all (and,
// glued to a socket, over real connections: tests/net's loopback_server and
// FakePop3Server's start_tls step).
// Owns its mbedTLS contexts and a reference to the credential's key. Not
// thread-safe: use each one from one thread at a time. Errors:
// handshake() returns the mbedTLS error; the constructor and write() throw
// std::runtime_error (tests only).

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "support/test_pki.hpp"

namespace test_support {

class TlsTestServer {
 public:
  struct Options {
    bool tls11_only = false;  // offer TLS 1.1 and nothing newer
    bool tls12_only = false;  // offer nothing newer than TLS 1.2 (matters on mbedTLS 3.x)
    // Not empty: require a client certificate issued by this CA (PEM); the
    // handshake fails without one.
    std::string client_ca_pem = {};
  };

  TlsTestServer(const Credential& credential, Options options);
  explicit TlsTestServer(const Credential& credential) : TlsTestServer(credential, Options{}) {}
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  void feed(std::string_view ciphertext) { in_.append(ciphertext); }
  std::string take() { return std::exchange(out_, std::string()); }

  // 0: done; 1: needs more input; negative: mbedTLS error (handshake failed).
  int handshake();
  bool handshake_done() const { return done_; }
  bool failed() const { return failed_; }

  std::string read();                                // plaintext decrypted so far
  bool peer_closed() const { return peer_closed_; }  // close_notify seen
  void write(std::string_view plaintext);
  void close_notify();
  // Records a real server may send between data records and that carry no
  // data: a warning-level alert (e.g. MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION)
  // and an empty application-data record (OpenSSL's old CBC IV trick).
  void warning_alert(unsigned char description);
  void empty_record();

  const std::string& sni() const { return sni_; }  // the name the client sent, "" if none
  // The subject of the certificate the client presented ("CN=alice"), "" if none.
  std::string client_subject() const;

 private:
  static int send_cb(void* self, const unsigned char* buffer, std::size_t length);
  static int recv_cb(void* self, unsigned char* buffer, std::size_t length);
  static int sni_cb(void* self, mbedtls_ssl_context* ssl, const unsigned char* name, std::size_t length);

  std::shared_ptr<Key> key_;
  mbedtls_x509_crt chain_;
  mbedtls_x509_crt client_ca_;
  mbedtls_ssl_config conf_;
  mbedtls_ssl_context ssl_;
  std::string in_;
  std::string out_;
  std::string sni_;
  bool done_ = false;
  bool failed_ = false;
  bool peer_closed_ = false;
};

}  // namespace test_support
