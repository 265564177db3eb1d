#include "pop3/multiline.hpp"

namespace pop3 {

DotLine unstuff_line(std::string_view line) {
  if (line == ".") return {true, {}};
  if (!line.empty() && line.front() == '.') return {false, line.substr(1)};
  return {false, line};
}

void BodyDecoder::reset() {
  state_ = State::LineStart;
  line_length_ = 0;
  last_was_cr_ = false;
  failed_ = false;
  reported_ = false;
  out_.clear();
  out_.shrink_to_fit();
}

void BodyDecoder::emit(std::string_view bytes) {
  if (failed_ || bytes.empty()) return;
  out_.append(bytes);
  last_was_cr_ = out_.back() == '\r';
}

void BodyDecoder::fail() {
  failed_ = true;
  out_.clear();  // a failed body delivers nothing more
}

bool BodyDecoder::grow_line(std::size_t n) {
  line_length_ += n;
  // A CR just before the LF is part of the line end, not of the line: allow one
  // byte more; decode() checks on LF that the extra byte really was that CR.
  return line_length_ <= max_line_length_ + 1;
}

BodyDecoder::Result BodyDecoder::decode(std::string_view input) {
  Result result;
  out_.clear();
  out_.reserve(input.size());  // the usual size of the output (take_data() may have taken the buffer)
  std::size_t i = 0;
  while (i < input.size() && !result.finished) {
    switch (state_) {
      case State::LineStart:
        line_length_ = 0;
        last_was_cr_ = false;
        if (input[i] == '.') {
          state_ = State::Dot;
          ++i;
        } else {
          state_ = State::InLine;
        }
        break;

      case State::Dot:
        if (input[i] == '\r') {
          state_ = State::DotCr;
          ++i;
        } else if (input[i] == '\n') {  // ".\n": a terminator with a bare LF
          result.finished = true;
          ++i;
        } else {
          state_ = State::InLine;  // the "." was stuffing: drop it, keep the rest
        }
        break;

      case State::DotCr:
        if (input[i] == '\n') {
          result.finished = true;
          ++i;
        } else {
          // ".\r" followed by more: a stuffed line whose content starts with CR.
          if (!grow_line(1)) fail();
          emit("\r");
          state_ = State::InLine;
        }
        break;

      case State::InLine: {
        // Copy up to the next LF in one go: no per-byte work on long lines.
        const std::size_t lf = input.find('\n', i);
        const std::size_t end = lf == std::string_view::npos ? input.size() : lf;
        const std::string_view piece = input.substr(i, end - i);
        if (!grow_line(piece.size())) fail();
        emit(piece);
        i = end;
        if (lf == std::string_view::npos) break;
        // The line ends here. Its content excludes a final CR.
        const bool ends_with_cr = failed_ ? false : last_was_cr_;
        if (!failed_ && line_length_ - (ends_with_cr ? 1 : 0) > max_line_length_) fail();
        emit(ends_with_cr ? "\n" : "\r\n");
        ++i;
        state_ = State::LineStart;
        break;
      }
    }
  }
  if (failed_ && !reported_) {
    reported_ = true;
    result.line_too_long = true;
  }
  result.consumed = i;
  result.data = out_;
  return result;
}

}  // namespace pop3
