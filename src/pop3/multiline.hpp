#pragma once
// Decoding RFC 1939 §3 multi-line responses: after the "+OK" line, lines
// follow until a line holding only ".". Any other line starting with "." has
// been byte-stuffed by the server: its first "." is removed.
//
// Two tools, both without I/O:
//  - unstuff_line() for text listings (CAPA, LIST, UIDL), whose lines the
//    LineReader already framed and bounded;
//  - BodyDecoder for message bodies (RETR, TOP), which are streamed: it never
//    holds a whole line, so memory stays bounded by the input it is given,
//    whatever the line length. Its output has CRLF line ends (a bare LF from
//    the server becomes CRLF), keeps 8-bit and NUL bytes, and leaves out the
//    terminating ".CRLF".
// Errors: a body line longer than its limit makes the message fail (reported
// once); the decoder then discards the rest of the body up to its terminator,
// so the stream stays framed and the next reply can be read.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "pop3/limits.hpp"

namespace pop3 {

struct DotLine {
  bool terminator = false;   // the line was "."
  std::string_view content;  // the line without its stuffing "."; points into the input
};

DotLine unstuff_line(std::string_view line);

class BodyDecoder {
 public:
  struct Result {
    std::size_t consumed = 0;    // bytes of the input used; anything after the terminator is not
    std::string_view data;       // decoded body bytes; valid until the next call on this decoder
    bool line_too_long = false;  // the body just failed (reported once per body)
    bool finished = false;       // the terminator was consumed
  };

  explicit BodyDecoder(std::size_t max_line_length = kMaxMessageLineLength)
      : max_line_length_(max_line_length) {}

  // Decodes as much of `input` as belongs to the body.
  Result decode(std::string_view input);

  // Prepares for a new body.
  void reset();

  // The bytes of the last decode() (what Result::data viewed), moved out
  // rather than copied; Result::data is invalid afterwards.
  std::string take_data() { return std::move(out_); }

  bool failed() const { return failed_; }
  // Bytes held between calls (the last output), for memory assertions.
  std::size_t buffered() const { return out_.size(); }

 private:
  enum class State {
    LineStart,  // at the first byte of a line
    Dot,        // the line began with "."
    DotCr,      // the line began with ".\r"
    InLine,     // inside a line
  };

  // Appends body bytes unless the body already failed.
  void emit(std::string_view bytes);
  // Counts `n` more bytes of the current line; false when that exceeds the limit.
  bool grow_line(std::size_t n);
  void fail();

  std::size_t max_line_length_;
  State state_ = State::LineStart;
  std::size_t line_length_ = 0;  // bytes of the current line so far, a trailing CR included
  bool last_was_cr_ = false;     // the last body byte emitted was CR (so an LF needs no CR)
  bool failed_ = false;
  bool reported_ = false;
  std::string out_;
};

}  // namespace pop3
