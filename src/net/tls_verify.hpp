#pragma once
// Internal to net/: the certificate checks mbedTLS leaves to us and the words
// for its verification flags. Pure functions over parsed certificates; never
// fail, never touch a socket.

#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace net::detail {

// True when `crt` lists `ip` (4 or 16 network-order bytes) as an iPAddress
// subjectAltName (RFC 5280 §4.2.1.6). mbedTLS 2.28 only matches dNSName/CN, so
// for a server given as an IP literal this is the host check (RFC 6125 §6.2:
// an IP in the CN does not count).
bool certificate_matches_ip(const mbedtls_x509_crt& crt, const std::vector<std::uint8_t>& ip);

// True when the certificate is its own issuer: the usual "self-signed" case a
// user should be told about by name rather than as an unknown CA.
bool is_self_signed(const mbedtls_x509_crt& crt);

// "certificate has expired", "certificate is not trusted (unknown CA)", "host
// name does not match the certificate", ... joined by "; ". `self_signed`
// turns the not-trusted reason into "certificate is self-signed and not trusted".
std::string describe_verify_failure(std::uint32_t flags, bool self_signed);

}  // namespace net::detail
