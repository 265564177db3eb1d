#pragma once
// Reading the few header fields the archive lists and searches by, from a raw
// message (RFC 5322) that came from a POP3 server and is therefore untrusted.
// Pure functions: no SQLite, no files, no exceptions. Every function is
// bounded (kMaxHeaderBlock, kMaxFieldLength), never reads past its input and
// never fails: what cannot be read is left out (nullopt), so a message whose
// headers are garbage is still archived, just without parsed fields.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

// Only this much of a message is searched for its header block: a real header
// block is a few KiB; a "header" of megabytes is a broken or hostile message.
inline constexpr std::size_t kMaxHeaderBlock = 256 * 1024;
// A decoded field value is cut here (on a UTF-8 character boundary): enough
// for any honest Subject or To list, small enough to keep list output sane.
inline constexpr std::size_t kMaxFieldLength = 16 * 1024;

struct HeaderFields {
  std::optional<std::string> message_id;  // as written, e.g. "<abc@example.com>"
  std::optional<std::string> from;        // decoded to UTF-8, whitespace collapsed
  std::optional<std::string> to;
  std::optional<std::string> subject;
  std::optional<std::int64_t> date;  // unix seconds; nullopt when missing or unparseable
};

// One unfolded header field: the name as written and the raw value after the
// colon (continuation lines joined, CR/LF removed, not decoded).
struct HeaderField {
  std::string_view name;
  std::string value;
};

// The header block: from the start up to (not including) the first empty
// line, or the first kMaxHeaderBlock bytes when there is no empty line there.
std::string_view header_block(std::string_view raw);

// Where the body starts (just after the empty line), or raw.size() when the
// message has no empty line within kMaxHeaderBlock.
std::size_t body_offset(std::string_view raw);

// The fields of a header block, in order. Lines that are neither a field nor a
// continuation (an mbox "From " line, garbage) are skipped.
std::vector<HeaderField> split_header_fields(std::string_view block);

// The value of the first field called `name` (case-insensitive), if any.
std::optional<std::string> find_field(const std::vector<HeaderField>& fields, std::string_view name);

HeaderFields parse_headers(std::string_view raw);

// RFC 2047 encoded words ("=?charset?B|Q?text?=") decoded to UTF-8. Words in
// a charset that cannot be converted, or that are malformed, are left as they
// are; raw 8-bit text outside encoded words is made valid UTF-8.
std::string decode_encoded_words(std::string_view value);

// An RFC 5322 date-time (§3.3, with the obsolete forms of §4.3: two- and
// three-digit years, zone names such as GMT/UT/EST, comments, missing day of
// week or seconds) as unix seconds; nullopt when it is not a date.
std::optional<std::int64_t> parse_date(std::string_view value);

// Control characters (CR, LF, TAB, NUL, ...) become spaces, runs of spaces
// collapse to one, the ends are trimmed and the text is cut at `max_length`
// bytes on a UTF-8 boundary.
std::string tidy_field(std::string_view utf8, std::size_t max_length = kMaxFieldLength);

}  // namespace mail
