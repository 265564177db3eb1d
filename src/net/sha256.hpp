#pragma once
// SHA-256 of a byte string with mbedTLS: names messages from servers without
// UIDL (store::content_hash_uidl). Pure function; no state, no errors (the
// digest cannot fail on valid memory).

#include <array>
#include <cstdint>
#include <string_view>

namespace net {

std::array<std::uint8_t, 32> sha256(std::string_view data);

}  // namespace net
