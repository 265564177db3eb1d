#include "net/tls_verify.hpp"

#include <mbedtls/asn1.h>
#include <mbedtls/x509.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace net::detail {
namespace {

constexpr unsigned char kIpAddressTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;  // GeneralName iPAddress [7]

// The flags we can phrase better than mbedtls_x509_crt_verify_info, most
// common first. Anything left over falls back to mbedTLS's own words.
const std::pair<std::uint32_t, const char*> kReasons[] = {
    {MBEDTLS_X509_BADCERT_EXPIRED, "certificate has expired"},
    {MBEDTLS_X509_BADCERT_FUTURE, "certificate is not valid yet"},
    {MBEDTLS_X509_BADCERT_CN_MISMATCH, "host name does not match the certificate"},
    {MBEDTLS_X509_BADCERT_REVOKED, "certificate has been revoked"},
    {MBEDTLS_X509_BADCERT_MISSING, "the server sent no certificate"},
    {MBEDTLS_X509_BADCERT_KEY_USAGE, "certificate key usage does not allow TLS"},
    {MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "certificate is not for TLS servers (extended key usage)"},
    {MBEDTLS_X509_BADCERT_BAD_MD, "certificate is signed with a weak hash"},
    {MBEDTLS_X509_BADCERT_BAD_PK, "certificate uses an unacceptable signature algorithm"},
    {MBEDTLS_X509_BADCERT_BAD_KEY, "certificate key is too weak"},
};

}  // namespace

bool certificate_matches_ip(const mbedtls_x509_crt& crt, const std::vector<std::uint8_t>& ip) {
  for (const mbedtls_x509_sequence* san = &crt.subject_alt_names; san != nullptr; san = san->next) {
    if (san->buf.p == nullptr || san->buf.tag != kIpAddressTag) continue;
    if (san->buf.len == ip.size() && std::memcmp(san->buf.p, ip.data(), ip.size()) == 0) return true;
  }
  return false;
}

bool is_self_signed(const mbedtls_x509_crt& crt) {
  return crt.issuer_raw.len == crt.subject_raw.len &&
         std::memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len) == 0;
}

std::string describe_verify_failure(std::uint32_t flags, bool self_signed) {
  std::string out;
  auto add = [&out](std::string_view reason) {
    if (!out.empty()) out += "; ";
    out += reason;
  };
  for (const auto& [flag, words] : kReasons) {
    if ((flags & flag) != 0) {
      add(words);
      flags &= ~flag;
    }
  }
  if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) {
    add(self_signed ? "certificate is self-signed and not trusted"
                    : "certificate is not trusted (unknown CA)");
    flags &= ~MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  }
  if (flags != 0) {
    char info[512] = {};
    // mbedTLS writes one reason per line.
    if (mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) > 0) {
      std::string_view text(info);
      while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        if (end > 0) add(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
      }
    } else {
      add("certificate verification failed");
    }
  }
  return out.empty() ? "certificate verification failed" : out;
}

}  // namespace net::detail
