#include "net/tls_session.hpp"

#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "common/sanitize.hpp"
#include "net/address.hpp"
#include "net/tls_client_cert.hpp"
#include "net/mbed_error.hpp"
#include "net/sha256.hpp"
#include "net/tls_session_cache.hpp"
#include "net/tls_trust.hpp"
#include "net/tls_verify.hpp"

namespace net {

using common::ErrorKind;
using common::make_error;

namespace {

// mbedTLS 3.x renamed the "server chose an old version" error.
#if defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
constexpr int kBadProtocolVersion = MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION;
#else
constexpr int kBadProtocolVersion = MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION;
#endif

// One TLS record's worth of plaintext per mbedtls_ssl_read call.
constexpr std::size_t kReadChunk = 16 * 1024;

bool want_io(int ret) { return ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE; }

}  // namespace

struct TlsSession::State {
  TlsOptions options;
  std::optional<std::vector<std::uint8_t>> ip;  // the server was given as an IP literal
  std::shared_ptr<detail::Rng> rng;
  std::shared_ptr<detail::TrustStore> trust;
  std::unique_ptr<detail::ClientCertificate> client_cert;  // tls_client_cert; null: none
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;

  std::string in;            // ciphertext fed, not yet consumed by mbedTLS
  std::size_t in_pos = 0;    // consumed prefix of `in`
  std::string out;           // ciphertext produced, not yet taken
  bool done = false;         // handshake complete
  bool peer_closed = false;  // close_notify (or end of stream) seen
  bool notify_sent = false;
  std::optional<common::Error> failure;  // set once: the session is dead
  bool peer_self_signed = false;         // observed by the verify callback
  bool certificate_checked = false;      // the verify callback ran: the server sent its certificate
  std::string cache_key;                 // what a cached session must have been verified under
  bool session_offered = false;          // a cached session went into the handshake
  bool resumed = false;
  std::size_t bytes_sent = 0;  // during the handshake
  std::size_t bytes_received = 0;
  int round_trips = 0;

  State() {
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
  }
  ~State() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  common::Error fail(ErrorKind kind, std::string message) {
    failure = make_error(kind, std::move(message));
    return *failure;
  }
};

namespace {

using State = TlsSession::State;

// The BIO callbacks mbedTLS calls from inside its C code: no exception may
// escape them, so the one allocation is guarded.
int bio_send(void* context, const unsigned char* buffer, std::size_t length) {
  auto* state = static_cast<State*>(context);
  try {
    state->out.append(reinterpret_cast<const char*>(buffer), length);
    if (!state->done) state->bytes_sent += length;
  } catch (...) {
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  }
  return static_cast<int>(length);
}

int bio_recv(void* context, unsigned char* buffer, std::size_t length) {
  auto* state = static_cast<State*>(context);
  const std::size_t available = state->in.size() - state->in_pos;
  if (available == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  const std::size_t n = std::min(length, available);
  std::memcpy(buffer, state->in.data() + state->in_pos, n);
  state->in_pos += n;
  if (!state->done) state->bytes_received += n;
  if (state->in_pos == state->in.size()) {
    state->in.clear();
    state->in_pos = 0;
  }
  return static_cast<int>(n);
}

// Called by mbedTLS for each certificate of the chain it built, the server's
// own at depth 0. Adds the checks mbedTLS does not make itself.
int verify_callback(void* context, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
  auto* state = static_cast<State*>(context);
  if (depth != 0) return 0;
  state->certificate_checked = true;
  state->peer_self_signed = detail::is_self_signed(*crt);
  if (state->ip && !detail::certificate_matches_ip(*crt, *state->ip)) {
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

// With tls_fingerprint: the server's certificate must be one of the pins.
common::Status check_pins(const TlsSession::State& state) {
  if (state.options.sha256_pins.empty()) return {};
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&state.ssl);
  if (peer == nullptr || peer->raw.p == nullptr) {
    return make_error(ErrorKind::Tls, "the server sent no certificate to compare with tls_fingerprint");
  }
  const auto digest = sha256(std::string_view(reinterpret_cast<const char*>(peer->raw.p), peer->raw.len));
  for (const auto& pin : state.options.sha256_pins) {
    if (pin == digest) return {};
  }
  return make_error(ErrorKind::Tls, "the certificate of " + state.options.host +
                                        " does not match tls_fingerprint: its SHA-256 is " +
                                        format_sha256_fingerprint(digest));
}

// The certificate is looked at (verified, or compared with the pins): the
// verify callback is installed, and a handshake that never ran it was resumed.
bool checks_certificate(const TlsOptions& options) { return options.verify || !options.sha256_pins.empty(); }

bool is_tls13(const State& state) { return std::strcmp(mbedtls_ssl_get_version(&state.ssl), "TLSv1.3") == 0; }

// A resumed handshake (TLS 1.2 abbreviated, TLS 1.3 PSK) carries no server
// certificate, so the verify callback never ran. Without verification (the
// if-available modes) nothing tells; such a handshake is reported as full.
bool was_resumed(const State& state) {
  return state.session_offered && checks_certificate(state.options) && !state.certificate_checked;
}

// Everything a resumed session skips checking again, and the client
// certificate it was authenticated with: the server does not ask for one on
// resumption, so a session of another (or no) certificate must not resume.
std::string session_cache_key(const TlsOptions& options, const detail::ClientCertificate* client_cert) {
  std::string key = options.host + '\n' + (options.verify ? "verify" : "no-verify") + '\n' + options.ca_file;
  for (const auto& pin : options.sha256_pins) key += '\n' + format_sha256_fingerprint(pin);
  if (client_cert != nullptr) {
    key += "\nclient " + options.client_cert + '\n' + options.client_key + '\n' + client_cert->fingerprint();
  }
  return key;
}

#if MBEDTLS_VERSION_NUMBER < 0x03000000
// mbedTLS 2.28 offers its key-exchange curves largest first, so a server that
// follows the client's order (OpenSSL's default, hence Dovecot's) picks
// secp521r1: several times the CPU of x25519 on both ends for every full
// handshake, at no gain a mail client needs. This is mbedTLS 3.x's own order.
const mbedtls_ecp_group_id fast_curves_first[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_ECP_DP_CURVE25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
    MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
    MBEDTLS_ECP_DP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_CURVE448_ENABLED)
    MBEDTLS_ECP_DP_CURVE448,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
    MBEDTLS_ECP_DP_SECP521R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP256R1_ENABLED)
    MBEDTLS_ECP_DP_BP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP384R1_ENABLED)
    MBEDTLS_ECP_DP_BP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP512R1_ENABLED)
    MBEDTLS_ECP_DP_BP512R1,
#endif
    MBEDTLS_ECP_DP_NONE,
};
#endif

common::Status configure(State& state) {
  auto config_error = [](const char* what, int ret) {
    return make_error(ErrorKind::Tls, std::string(what) + ": " + detail::mbed_error_text(ret));
  };
  int ret = mbedtls_ssl_config_defaults(&state.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) return config_error("cannot set up TLS", ret);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
  mbedtls_ssl_conf_min_tls_version(&state.conf, state.options.min_version == TlsVersion::Tls1_3
                                                    ? MBEDTLS_SSL_VERSION_TLS1_3
                                                    : MBEDTLS_SSL_VERSION_TLS1_2);
#else  // create() refused Tls1_3: no TLS 1.3 before 3.x
  mbedtls_ssl_conf_min_version(&state.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
  mbedtls_ssl_conf_rng(&state.conf, detail::Rng::random, state.rng.get());
#if MBEDTLS_VERSION_NUMBER < 0x03000000
  mbedtls_ssl_conf_curves(&state.conf, fast_curves_first);
#endif
  if (!state.options.sha256_pins.empty()) {
    // The pin is checked once the handshake is done (check_pins()); mbedTLS
    // still verifies the server's signature over the handshake with the key
    // of that certificate.
    mbedtls_ssl_conf_authmode(&state.conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  } else if (state.options.verify) {
    mbedtls_ssl_conf_authmode(&state.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&state.conf, state.trust->chain(), nullptr);
  } else {
    mbedtls_ssl_conf_authmode(&state.conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  if (state.client_cert) {
    ret = mbedtls_ssl_conf_own_cert(&state.conf, state.client_cert->chain(), state.client_cert->key());
    if (ret != 0) return config_error("cannot use the client certificate", ret);
  }

#if defined(MBEDTLS_SSL_SESSION_TICKETS)
  // RFC 5077 tickets: resumption that needs no server-side cache.
  mbedtls_ssl_conf_session_tickets(&state.conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED)
  // TLS 1.3 sessions are the tickets the server sends after the handshake;
  // mbedTLS 3.6 drops them unless told to hand them over (read_plaintext()).
  if (state.options.session_cache) {
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&state.conf,
                                                             MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
  }
#endif
#endif
  ret = mbedtls_ssl_setup(&state.ssl, &state.conf);
  if (ret != 0) return config_error("cannot set up TLS", ret);
  // SNI and mbedTLS's own name check take a DNS name only: RFC 6066 §3 forbids
  // an IP literal in SNI, and mbedTLS 2.28 cannot match iPAddress SANs (our
  // verify callback does). Passing NULL also tells mbedTLS >= 3.6.3 that the
  // missing name is deliberate.
  ret = mbedtls_ssl_set_hostname(&state.ssl, state.ip ? nullptr : state.options.host.c_str());
  if (ret != 0) return config_error("cannot use the host name for TLS", ret);
  // Also with pins: the callback is how a full handshake is told from a
  // resumed one (which sends no certificate), in TLS 1.2 and 1.3 alike.
  if (checks_certificate(state.options)) {
    mbedtls_ssl_set_verify(&state.ssl, verify_callback, &state);
  }
  mbedtls_ssl_set_bio(&state.ssl, &state, bio_send, bio_recv, nullptr);
  if (state.options.session_cache) {
    state.session_offered = state.options.session_cache->offer(state.ssl, state.cache_key);
  }
  return {};
}

}  // namespace

TlsSession::TlsSession(std::unique_ptr<State> state) : state_(std::move(state)) {}
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;
TlsSession::~TlsSession() = default;

common::Result<TlsSession> TlsSession::create(const TlsOptions& options) {
  const std::string_view host = strip_brackets(options.host);
  if (host.empty()) return make_error(ErrorKind::Config, "TLS needs the server's host name");
  if (host.find('\0') != std::string_view::npos) {
    return make_error(ErrorKind::Config, "the server's host name contains a NUL byte");
  }

#if !defined(MBEDTLS_SSL_PROTO_TLS1_3) || MBEDTLS_VERSION_NUMBER < 0x03020000
  if (options.min_version == TlsVersion::Tls1_3) {
    return make_error(ErrorKind::Config, "tls_min_version 1.3 needs TLS 1.3, which this build's mbedTLS " +
                                             std::string(MBEDTLS_VERSION_STRING) + " lacks");
  }
#endif

  auto state = std::make_unique<State>();
  state->options = options;
  state->options.host = std::string(host);
  state->ip = parse_ip_literal(host);

  auto rng = detail::Rng::shared();
  if (!rng) return rng.error();
  state->rng = std::move(*rng);
  if (options.client_cert.empty() != options.client_key.empty()) {
    return make_error(ErrorKind::Config, "a client certificate needs both tls_client_cert and tls_client_key");
  }
  if (!options.client_cert.empty()) {
    auto client_cert = detail::ClientCertificate::load(options.client_cert, options.client_key, *state->rng);
    if (!client_cert) return client_cert.error();
    state->client_cert = std::move(*client_cert);
  }
  state->cache_key = session_cache_key(state->options, state->client_cert.get());
  if (options.verify && options.sha256_pins.empty()) {
    auto trust = detail::trust_store(options.ca_file);
    if (!trust) return trust.error();
    state->trust = std::move(*trust);
  }
  if (auto configured = configure(*state); !configured) return configured.error();
  return TlsSession(std::move(state));
}

void TlsSession::feed_ciphertext(std::string_view bytes) {
  State& s = *state_;
  // Drop the consumed prefix before it dominates the buffer.
  if (s.in_pos > 0 && s.in_pos * 2 >= s.in.size()) {
    s.in.erase(0, s.in_pos);
    s.in_pos = 0;
  }
  s.in.append(bytes);
}

std::string TlsSession::take_ciphertext() { return std::exchange(state_->out, std::string()); }

bool TlsSession::has_ciphertext() const { return !state_->out.empty(); }

common::Result<TlsSession::Handshake> TlsSession::handshake() {
  State& s = *state_;
  if (s.failure) return *s.failure;
  if (s.done) return Handshake::Done;
  const int ret = mbedtls_ssl_handshake(&s.ssl);
  if (ret == 0) {
    // A resumed session carries no certificate to compare (mbedTLS 3.6 does
    // not even keep a TLS 1.3 session's), and needs none: it was stored only
    // after a handshake that passed the pins, under a key naming them
    // (session_cache_key()), as mbedTLS does not verify it again either.
    const bool resumed = was_resumed(s);
    if (auto pinned = resumed ? common::Status{} : check_pins(s); !pinned) {
      if (s.options.session_cache) s.options.session_cache->clear();
      return s.fail(ErrorKind::Tls, pinned.error().message);
    }
    s.done = true;
    s.resumed = resumed;
    // Only now, every check passed: a session worth resuming. A TLS 1.3
    // session is the ticket that follows (read_plaintext()); the one offered
    // is spent (RFC 8446 C.4: a ticket is not reused).
    if (s.options.session_cache) {
      if (is_tls13(s)) {
        s.options.session_cache->clear();
      } else {
        (void)s.options.session_cache->save(s.ssl, s.cache_key);
      }
    }
    return Handshake::Done;
  }
  if (want_io(ret)) {
    if (!s.out.empty()) ++s.round_trips;  // a flight goes out; the server's answer is awaited
    return Handshake::NeedMore;
  }
  if (s.options.session_cache) s.options.session_cache->clear();

  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    const std::uint32_t flags = mbedtls_ssl_get_verify_result(&s.ssl);
    return s.fail(ErrorKind::Tls, "certificate verification failed for " + s.options.host + ": " +
                                      detail::describe_verify_failure(flags, s.peer_self_signed));
  }
  const bool wants_1_3 = s.options.min_version == TlsVersion::Tls1_3;
  if (ret == kBadProtocolVersion) {
    return s.fail(ErrorKind::Tls, wants_1_3 ? "the server does not offer TLS 1.3 (tls_min_version is 1.3)"
                                            : "the server does not offer TLS 1.2 or later");
  }
  if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    return s.fail(ErrorKind::Tls, wants_1_3 ? "the server refused the TLS handshake (fatal alert); "
                                              "tls_min_version is 1.3: does it offer TLS 1.3?"
                                            : "the server refused the TLS handshake (fatal alert)");
  }
  return s.fail(ErrorKind::Tls, "TLS handshake failed: " + detail::mbed_error_text(ret));
}

bool TlsSession::handshake_done() const { return state_->done; }

common::Status TlsSession::write(std::string_view plaintext) {
  State& s = *state_;
  if (s.failure) return *s.failure;
  if (!s.done) return make_error(ErrorKind::Tls, "TLS write before the handshake completed");
  if (s.notify_sent) return make_error(ErrorKind::Tls, "TLS write after close_notify");
  const auto* data = reinterpret_cast<const unsigned char*>(plaintext.data());
  std::size_t written = 0;
  while (written < plaintext.size()) {
    const int ret = mbedtls_ssl_write(&s.ssl, data + written, plaintext.size() - written);
    // Our BIO never pushes back, so anything but progress (even WANT_*, which
    // would mean renegotiation, disabled by default) is a dead end.
    if (ret <= 0) return s.fail(ErrorKind::Tls, "TLS write failed: " + detail::mbed_error_text(ret));
    written += static_cast<std::size_t>(ret);
  }
  return {};
}

common::Result<TlsSession::Plaintext> TlsSession::read_plaintext() {
  State& s = *state_;
  if (s.failure) return *s.failure;
  Plaintext result;
  if (!s.done) return result;
  while (!s.peer_closed) {
    const std::size_t before = result.bytes.size();
    const std::size_t unread = s.in.size() - s.in_pos;
    result.bytes.resize(before + kReadChunk);
    const int ret =
        mbedtls_ssl_read(&s.ssl, reinterpret_cast<unsigned char*>(result.bytes.data() + before), kReadChunk);
    result.bytes.resize(before + static_cast<std::size_t>(std::max(ret, 0)));
    if (ret > 0) continue;
    // WANT_READ does not always mean "feed me": mbedTLS also returns it
    // after a record without data (a warning alert) while whole records
    // still wait in `in`, and returns 0 for an empty application-data
    // record (our BIO never reports an end of stream). Stopping there would
    // leave those records undecrypted until the next read - never, when the
    // next thing the network says is EOF. Go on while records were consumed
    // and ciphertext remains.
    const bool progressed = s.in.size() - s.in_pos < unread;
    if (want_io(ret) || ret == 0) {
      if (progressed && s.in.size() > s.in_pos) continue;
      break;
    }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    // TLS 1.3 (mbedTLS 3.x): a session ticket is not data. It comes after a
    // handshake that passed every check (else we would not be reading), so
    // it is the session the next poll resumes.
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
      if (s.options.session_cache) (void)s.options.session_cache->save(s.ssl, s.cache_key);
      continue;
    }
#endif
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      s.peer_closed = true;
      break;
    }
    return s.fail(ErrorKind::Tls, "TLS record error: " + detail::mbed_error_text(ret));
  }
  result.closed = s.peer_closed;
  return result;
}

void TlsSession::close_notify() {
  State& s = *state_;
  if (!s.done || s.failure || s.notify_sent) return;
  s.notify_sent = true;
  (void)mbedtls_ssl_close_notify(&s.ssl);  // only fails when the BIO does, and ours cannot
}

TlsInfo TlsSession::info() const {
  if (!state_->done) return {};
  const char* version = mbedtls_ssl_get_version(&state_->ssl);
  const char* suite = mbedtls_ssl_get_ciphersuite(&state_->ssl);
  TlsInfo info;
  info.version = version ? version : "";
  info.cipher_suite = suite ? suite : "";
  info.resumed = state_->resumed;
  info.handshake_bytes_sent = state_->bytes_sent;
  info.handshake_bytes_received = state_->bytes_received;
  info.handshake_round_trips = state_->round_trips;
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&state_->ssl);
  if (peer == nullptr || peer->raw.p == nullptr) return info;
  char name[512];
  if (mbedtls_x509_dn_gets(name, sizeof name, &peer->subject) > 0) info.peer_subject = common::sanitize(name);
  if (mbedtls_x509_dn_gets(name, sizeof name, &peer->issuer) > 0) info.peer_issuer = common::sanitize(name);
  const mbedtls_x509_time& t = peer->valid_to;
  char when[40];
  std::snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d:%02d UTC", t.year, t.mon, t.day, t.hour, t.min, t.sec);
  info.peer_not_after = when;
  info.peer_sha256 =
      format_sha256_fingerprint(sha256(std::string_view(reinterpret_cast<const char*>(peer->raw.p), peer->raw.len)));
  return info;
}

}  // namespace net
