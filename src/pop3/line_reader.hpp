#pragma once
// LineReader: splits server input into lines for the single-line replies and
// the text listings (greeting, status lines, CAPA, LIST, UIDL).
//
// Owns only the bytes of one incomplete line, never more than its limit (plus
// one byte for a CR), whatever the server sends. Touches no I/O. Errors: a
// line longer than the limit is reported as TooLong; the reader then stays in
// that state until reset(), because the rest of the stream cannot be framed.
//
// Line ends are CRLF (RFC 1939 §3); a bare LF is accepted too, because some
// servers send it and nothing is gained by refusing (Result::crlf tells which
// it was: a "." line ends a listing only when framed as the greeting was, see
// multiline.hpp). A lone CR inside a line is kept as part of the line.

#include <cstddef>
#include <string>
#include <string_view>

#include "pop3/limits.hpp"

namespace pop3 {

class LineReader {
 public:
  enum class Status {
    Line,      // `line` holds one complete line, without its line end
    NeedMore,  // all of the input was consumed into an incomplete line
    TooLong,   // the line exceeds the limit: a protocol error
  };

  struct Result {
    Status status;
    std::size_t consumed;   // bytes of the input used; the rest belongs to what follows the line
    std::string_view line;  // valid until the next call on this reader; empty unless Status::Line
    bool crlf = false;      // the line ended with CRLF (false: a bare LF)
  };

  explicit LineReader(std::size_t max_line_length = kMaxReplyLineLength) : max_length_(max_line_length) {}

  // Reads at most one line from `input`. Call again with the unconsumed rest.
  Result read(std::string_view input);

  // Forgets any partial line and a TooLong state.
  void reset();

  // Bytes of an incomplete line held between calls (for memory assertions).
  std::size_t buffered() const { return clear_before_next_ ? 0 : partial_.size(); }

 private:
  std::size_t max_length_;
  std::string partial_;
  bool clear_before_next_ = false;  // partial_ held the line returned last time
  bool too_long_ = false;
};

}  // namespace pop3
