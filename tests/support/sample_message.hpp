#pragma once
// make_message(): deterministic, realistic RFC 5322 test messages (From, To,
// Subject - sometimes RFC 2047 encoded -, Date, Message-ID, MIME headers, a
// text body) for integration tests and the demo. The same seed and options
// always give the same bytes, on every platform.
// Pure function; no I/O, no errors.

#include <cstddef>
#include <cstdint>
#include <string>

namespace test_support {

struct MessageOptions {
  bool eight_bit = false;  // UTF-8 body sent as 8bit (Content-Transfer-Encoding: 8bit)
  bool dot_lines = false;  // body lines ".", ".." and ".leading dot" (tests POP3 byte-stuffing)
  bool crlf = true;        // CRLF line ends (wire/archive form); false: LF (Maildir form)
};

// A message of about `approx_size` bytes (never less than its headers, and
// within a line's length of the target above that).
std::string make_message(std::uint64_t seed, std::size_t approx_size, const MessageOptions& options = {});

}  // namespace test_support
