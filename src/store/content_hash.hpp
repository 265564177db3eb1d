#pragma once
// The stored `uidl` of a message no server named: one from a server without
// UIDL (keep: false): "sha256:" + the hex SHA-256 of the raw message; one
// brought in by `popfetchd import`: "imported sha256:" + the same hex. The
// space makes an imported uidl unlike any server's (RFC 1939 unique-ids are
// 0x21..0x7E, and pop3/ rejects anything else), and unlike keep: false's
// hash, so the listing rules of DESIGN.md §2, which key on (account, uidl),
// can never DELE a server message on the strength of an imported row.
// store/ links no crypto library, so the caller supplies the hash function
// (net/ has mbedTLS); this only fixes the format, so every caller names
// messages the same way.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace store {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha256Function = std::function<Sha256Digest(std::string_view data)>;

// The digest as 64 lower-case hex digits.
std::string sha256_hex(const Sha256Digest& digest);

std::string content_hash_uidl(std::string_view raw, const Sha256Function& sha256);

inline constexpr std::string_view kImportedUidlPrefix = "imported ";
std::string imported_uidl(std::string_view raw, const Sha256Function& sha256);

}  // namespace store
