#pragma once
// Parsing the entries of LIST, UIDL and STAT (RFC 1939 §5, §7):
//
//   scan-listing     = msg-number SP size [SP anything]    (LIST, and "+OK" of LIST n)
//   drop-listing     = count SP size [SP anything]         (STAT)
//   unique-id-listing = msg-number SP unique-id            (UIDL, and "+OK" of UIDL n)
//   unique-id        = 1*70 <0x21..0x7E>                   (we accept up to kMaxUidlLength)
//
// Pure functions over server text; they keep nothing. Numbers must be plain
// decimal and fit their type; a message number is at least 1. On failure the
// result names what is wrong (a static string, safe to quote).

#include <cstdint>
#include <optional>
#include <string_view>

namespace pop3 {

template <class T>
struct Parsed {
  std::optional<T> value;
  std::string_view error;  // why parsing failed; empty on success
  explicit operator bool() const { return value.has_value(); }
};

struct ScanListing {
  std::uint32_t msgno = 0;
  std::uint64_t size = 0;
};

struct UidlListing {
  std::uint32_t msgno = 0;
  std::string_view uidl;  // points into the parsed line
};

struct DropListing {
  std::uint32_t count = 0;
  std::uint64_t size = 0;
};

Parsed<ScanListing> parse_scan_listing(std::string_view line);
Parsed<UidlListing> parse_uidl_listing(std::string_view line);
Parsed<DropListing> parse_drop_listing(std::string_view line);

// The rule for a unique-id on its own: empty when valid, else why not.
std::string_view uidl_problem(std::string_view uidl);

}  // namespace pop3
