#pragma once
// Converting untrusted mail text to UTF-8. Pure functions: no SQLite, no
// files. UTF-8, US-ASCII and ISO-8859-1 are converted here; other charsets go
// through iconv(3) when the C library has it. Nothing here throws or reads past
// its input; a conversion that cannot be done returns nullopt.

#include <optional>
#include <string>
#include <string_view>

namespace mail {

// `bytes` in `charset` (a MIME charset name, case-insensitive) as UTF-8, or
// nullopt when the charset is unknown or the bytes are not valid in it.
// Invalid sequences in a UTF-8/US-ASCII input are replaced, not refused: mail
// that lies about its charset is common.
std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset);

// `bytes` made valid UTF-8: valid sequences are kept, every other byte is read
// as ISO-8859-1 (the usual meaning of raw 8-bit header bytes).
std::string make_valid_utf8(std::string_view bytes);

bool is_valid_utf8(std::string_view bytes);

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace mail
