#pragma once
// What a TLS client connection is asked to do (TlsOptions) and what it ended
// up with (TlsInfo, for logs). Plain values: owns no mbedTLS state.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace net {

class TlsSessionCache;  // net/tls_session_cache.hpp
enum class TlsVersion { Tls1_2, Tls1_3 };

struct TlsOptions {
  // The server's name: sent as SNI (RFC 6066, not for an IP literal) and, with
  // `verify`, matched against the certificate (dNSName/CN for a name,
  // iPAddress subjectAltName for an IPv4/IPv6 literal). Empty in
  // Connection::connect/start_tls: the host that was connected to.
  std::string host;
  // true: the chain must lead to a CA in `ca_file`, be in its validity period
  // and match `host` (DESIGN.md modes tls/starttls). false: encrypt only, accept
  // any certificate (tls-if-available/starttls-if-available).
  bool verify = true;
  // PEM bundle of trusted CAs; empty: the system bundle
  // (/etc/ssl/certs/ca-certificates.crt on Debian). Not read when !verify.
  std::string ca_file;
  // SHA-256 digests of the DER of server certificates (tls_fingerprint).
  // When not empty, the server's own certificate must be one of them and
  // nothing else is checked (no chain, no host name, no dates: the pin is the
  // trust, as for a self-signed homelab certificate); `verify` and `ca_file`
  // are then ignored. A mismatch fails the handshake, so nothing is sent.
  std::vector<std::array<std::uint8_t, 32>> sha256_pins = {};
  // PEM files of the client certificate (with any intermediates after it) and
  // its unencrypted private key, presented when the server asks (both or
  // neither; SASL EXTERNAL logs in with it). Read for each connection.
  std::string client_cert = {};
  std::string client_key = {};
  // Where the session of the last good handshake is kept and offered for
  // resumption (the daemon keeps one per account); null: none.
  std::shared_ptr<TlsSessionCache> session_cache = nullptr;
  // The oldest version accepted (tls_min_version); never below TLS 1.2
  // (DESIGN.md §2). Tls1_3 with an mbedTLS that lacks TLS 1.3 makes
  // TlsSession::create fail with ErrorKind::Config.
  TlsVersion min_version = TlsVersion::Tls1_2;
};

struct TlsInfo {
  std::string version;       // "TLSv1.2", "TLSv1.3"
  std::string cipher_suite;  // IANA-style name from mbedTLS, e.g. "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384"
  bool resumed = false;      // the session of an earlier connection was resumed (TLS 1.2 or 1.3)
  // What the handshake cost, for logs and bench/: TLS bytes each way, and the
  // times we sent a flight and had to wait for the server's.
  std::size_t handshake_bytes_sent = 0;
  std::size_t handshake_bytes_received = 0;
  int handshake_round_trips = 0;
  // The server's certificate (the leaf), for `popfetchd probe`; empty when
  // the handshake kept none (a resumed session may not).
  std::string peer_subject;
  std::string peer_issuer;
  std::string peer_not_after;  // "2027-03-01 12:00:00 UTC"
  std::string peer_sha256;     // "sha256:AB:CD:...", the form tls_fingerprint takes
};

}  // namespace net
