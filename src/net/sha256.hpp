#pragma once
// SHA-256 of a byte string with mbedTLS: names messages from servers without
// UIDL (store::content_hash_uidl). Pure function; no state, no errors (the
// digest cannot fail on valid memory).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace net {

std::array<std::uint8_t, 32> sha256(std::string_view data);

// "sha256:AB:CD:..." (upper-case hex pairs), the form tls_fingerprint takes.
std::string format_sha256_fingerprint(const std::array<std::uint8_t, 32>& digest);

}  // namespace net
