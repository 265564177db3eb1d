#pragma once
// The header block of a message: its bytes up to and including the first
// "\r\n\r\n" (the empty line that ends the header), or the whole message when
// it has none. One definition for the stored raw (Archive::header_block) and
// for a server's `TOP n 0` reply, so that the two compare byte for byte when
// the deletion rule checks that an old message is still the one archived.
// Pure; never allocates. Not mail::header_block (mail/headers.hpp), which
// reads headers leniently for parsing (bare LF, a size bound) and leaves the
// empty line out: this one is for exact comparison.

#include <string_view>

namespace store {

inline std::string_view header_block_of(std::string_view raw) {
  const std::size_t end = raw.find("\r\n\r\n");
  return end == std::string_view::npos ? raw : raw.substr(0, end + 4);
}

}  // namespace store
