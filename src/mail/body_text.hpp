#pragma once
// The text of a message's body, for the full-text index: text/plain parts
// (text/html with tags removed when there is no plain part) of a MIME tree,
// transfer-decoded (base64, quoted-printable) and converted to UTF-8.
// Pure function: no SQLite, no files, never throws. Untrusted input, so every
// loop is bounded: MIME nesting depth, the bytes scanned and the text returned.

#include <cstddef>
#include <string>
#include <string_view>

namespace mail {

// At most this much text per message goes into the index: enough to find a
// message by what it says, without indexing megabytes of pasted logs.
inline constexpr std::size_t kMaxIndexedBodyText = 64 * 1024;
// Only this much of the raw message is looked at for body text; text parts
// come first in practice, attachments after them.
inline constexpr std::size_t kMaxScannedForText = 4 * 1024 * 1024;
// Deeper MIME nesting than this is not followed (a hostile message could nest
// thousands of levels).
inline constexpr int kMaxMimeDepth = 8;

std::string body_text(std::string_view raw, std::size_t max_length = kMaxIndexedBodyText);

}  // namespace mail
