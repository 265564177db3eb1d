#include "support/tls_test_server.hpp"

#include <mbedtls/version.h>

#include <cstring>
#include <stdexcept>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

namespace test_support {

TlsTestServer::TlsTestServer(const Credential& credential, Options options) : key_(credential.key) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  (void)psa_crypto_init();  // TLS 1.3 on mbedTLS 3.x runs on PSA
#endif
  mbedtls_x509_crt_init(&chain_);
  mbedtls_x509_crt_init(&client_ca_);
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ssl_init(&ssl_);
  auto check = [](int ret, const char* what) {
    if (ret != 0)
      throw std::runtime_error(std::string("test TLS server: ") + what + ": " + std::to_string(ret));
  };
  check(mbedtls_x509_crt_parse(&chain_, reinterpret_cast<const unsigned char*>(credential.chain_pem.c_str()),
                               credential.chain_pem.size() + 1),
        "certificate");
  check(mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT),
        "config");
  mbedtls_ssl_conf_rng(&conf_, test_random, nullptr);
  check(mbedtls_ssl_conf_own_cert(&conf_, &chain_, key_->get()), "own cert");
  mbedtls_ssl_conf_sni(&conf_, sni_cb, this);
  if (!options.client_ca_pem.empty()) {
    check(mbedtls_x509_crt_parse(&client_ca_, reinterpret_cast<const unsigned char*>(options.client_ca_pem.c_str()),
                                 options.client_ca_pem.size() + 1),
          "client CA");
    mbedtls_ssl_conf_ca_chain(&conf_, &client_ca_, nullptr);
    mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
  }
  if (options.tls11_only) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_1)
    mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_2);
    mbedtls_ssl_conf_max_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_2);
#else
    throw std::runtime_error("this mbedTLS has no TLS 1.1");
#endif
  }
  if (options.tls12_only) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_max_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_2);
#endif  // older versions have no TLS 1.3 to leave out
  }
  check(mbedtls_ssl_setup(&ssl_, &conf_), "setup");
  mbedtls_ssl_set_bio(&ssl_, this, send_cb, recv_cb, nullptr);
}

TlsTestServer::~TlsTestServer() {
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_x509_crt_free(&client_ca_);
  mbedtls_x509_crt_free(&chain_);
}

std::string TlsTestServer::client_subject() const {
  const mbedtls_x509_crt* peer = done_ ? mbedtls_ssl_get_peer_cert(&ssl_) : nullptr;
  if (peer == nullptr) return {};
  char text[256] = {};
  if (mbedtls_x509_dn_gets(text, sizeof text, &peer->subject) < 0) return {};
  return text;
}

int TlsTestServer::send_cb(void* self, const unsigned char* buffer, std::size_t length) {
  static_cast<TlsTestServer*>(self)->out_.append(reinterpret_cast<const char*>(buffer), length);
  return static_cast<int>(length);
}

int TlsTestServer::recv_cb(void* self, unsigned char* buffer, std::size_t length) {
  auto* server = static_cast<TlsTestServer*>(self);
  if (server->in_.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
  const std::size_t n = std::min(length, server->in_.size());
  std::memcpy(buffer, server->in_.data(), n);
  server->in_.erase(0, n);
  return static_cast<int>(n);
}

int TlsTestServer::sni_cb(void* self, mbedtls_ssl_context* /*ssl*/, const unsigned char* name,
                          std::size_t length) {
  static_cast<TlsTestServer*>(self)->sni_.assign(reinterpret_cast<const char*>(name), length);
  return 0;
}

int TlsTestServer::handshake() {
  if (done_) return 0;
  if (failed_) return -1;
  const int ret = mbedtls_ssl_handshake(&ssl_);
  if (ret == 0) {
    done_ = true;
    return 0;
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return 1;
  failed_ = true;
  return ret;
}

std::string TlsTestServer::read() {
  std::string out;
  unsigned char buffer[4096];
  while (done_ && !peer_closed_) {
    const int ret = mbedtls_ssl_read(&ssl_, buffer, sizeof buffer);
    if (ret > 0) {
      out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(ret));
    } else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == 0) {
      peer_closed_ = true;
    } else {
      break;  // WANT_READ, or an error a test would notice as missing data
    }
  }
  return out;
}

void TlsTestServer::write(std::string_view plaintext) {
  const auto* data = reinterpret_cast<const unsigned char*>(plaintext.data());
  std::size_t written = 0;
  while (written < plaintext.size()) {
    const int ret = mbedtls_ssl_write(&ssl_, data + written, plaintext.size() - written);
    if (ret <= 0) throw std::runtime_error("test TLS server: write failed: " + std::to_string(ret));
    written += static_cast<std::size_t>(ret);
  }
}

void TlsTestServer::close_notify() { (void)mbedtls_ssl_close_notify(&ssl_); }

void TlsTestServer::warning_alert(unsigned char description) {
  const int ret = mbedtls_ssl_send_alert_message(&ssl_, MBEDTLS_SSL_ALERT_LEVEL_WARNING, description);
  if (ret != 0) throw std::runtime_error("test TLS server: alert failed: " + std::to_string(ret));
}

void TlsTestServer::empty_record() {
  const int ret = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(""), 0);
  if (ret < 0) throw std::runtime_error("test TLS server: empty record failed: " + std::to_string(ret));
}

}  // namespace test_support
