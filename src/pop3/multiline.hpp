#pragma once
// Decoding RFC 1939 §3 multi-line responses: after the "+OK" line, lines
// follow until a line holding only ".". Any other line starting with "." has
// been byte-stuffed by the server: its first "." is removed.
//
// Which bytes end a line: RFC 1939 says CRLF, and some servers pass bare LF
// through from the stored mail. How a "." line is judged then depends on what
// the server showed in its greeting (LineEnd):
//  - Crlf (the greeting ended with CRLF): only CRLF "." CRLF ends the reply,
//    that is a "." line ended by CRLF whose previous line (or status line)
//    also ended with CRLF. A "." line next to a bare LF is content: a message
//    whose body holds "\n.\n" cannot end itself early and pass the bytes after
//    it off as the reply to the next command. Such a line is delivered as
//    ".\r\n" (a single "." cannot be stuffing: a stuffed one is "..").
//  - BareLf (the greeting ended with a bare LF): the server frames with LF,
//    so "." LF ends the reply too.
// Either way a bare LF still starts a new line for dot-unstuffing (as before:
// a server that stuffs, stuffs what it sees as lines), and bodies are stored
// with CRLF line ends (a bare LF becomes CRLF).
//
// Two tools, both without I/O:
//  - unstuff_line() for text listings (CAPA, LIST, UIDL), whose lines the
//    LineReader already framed and bounded;
//  - BodyDecoder for message bodies (RETR, TOP), which are streamed in the
//    chunks they arrive in, whatever the line length: it never holds a line,
//    so memory stays bounded by the input it is given (at most twice it when
//    every byte is a bare LF, plus a "." held back from the previous input).
//    Its output keeps 8-bit and NUL bytes and leaves out the terminating
//    ".CRLF". It cannot fail: how big a message may get is the fetch layer's
//    rule (max_message_size).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace pop3 {

// How the server ends its lines, as its greeting showed.
enum class LineEnd {
  Crlf,    // only CRLF "." CRLF ends a multi-line reply
  BareLf,  // "." LF ends it too
};

struct DotLine {
  bool terminator = false;   // the line was "."
  std::string_view content;  // the line without its stuffing "."; points into the input
};

DotLine unstuff_line(std::string_view line);

class BodyDecoder {
 public:
  struct Result {
    std::size_t consumed = 0;  // bytes of the input used; anything after the terminator is not
    std::string_view data;     // decoded body bytes; valid until the next call on this decoder
    bool finished = false;     // the terminator was consumed
  };

  // Decodes as much of `input` as belongs to the body.
  Result decode(std::string_view input);

  // Prepares for a new body from a server that frames with `line_end`.
  void reset(LineEnd line_end = LineEnd::Crlf);

  // The bytes of the last decode() (what Result::data viewed), moved out
  // rather than copied; Result::data is invalid afterwards.
  std::string take_data() { return std::move(out_); }

  // Bytes held between calls (the last output), for memory assertions.
  std::size_t buffered() const { return out_.size(); }

 private:
  enum class State {
    LineStart,  // at the first byte of a line
    Dot,        // the line began with "."
    DotCr,      // the line began with ".\r"
    InLine,     // inside a line
  };

  void emit(std::string_view bytes);
  // The "." line just read ends the body (given how that line ended).
  bool ends_body(bool with_crlf) const;

  LineEnd line_end_ = LineEnd::Crlf;
  State state_ = State::LineStart;
  bool previous_crlf_ = true;  // the line before this one (or the status line) ended with CRLF
  bool last_was_cr_ = false;   // the last body byte emitted was CR (so an LF needs no CR)
  std::string out_;
};

}  // namespace pop3
