#pragma once
// The stored `uidl` of a message from a server without UIDL (keep: false):
// "sha256:" + the hex SHA-256 of the raw message. store/ links no crypto
// library, so the caller supplies the hash function (net/ has mbedTLS);
// this only fixes the format, so every caller names messages the same way.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace store {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha256Function = std::function<Sha256Digest(std::string_view data)>;

std::string content_hash_uidl(std::string_view raw, const Sha256Function& sha256);

}  // namespace store
