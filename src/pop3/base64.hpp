#pragma once
// Base64 (RFC 4648 §4, the standard alphabet with "=" padding), as SASL uses it
// on the POP3 wire (RFC 5034 §4). Pure functions; they own nothing.
// Errors: decode() returns nullopt for any character outside the alphabet,
// misplaced padding or an impossible length. Missing final padding is
// accepted, because some servers leave it out of their challenges.

#include <optional>
#include <string>
#include <string_view>

namespace pop3 {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace pop3
