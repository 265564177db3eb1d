#include "pop3/multiline.hpp"

namespace pop3 {

DotLine unstuff_line(std::string_view line) {
  if (line == ".") return {true, {}};
  if (!line.empty() && line.front() == '.') return {false, line.substr(1)};
  return {false, line};
}

void BodyDecoder::reset(LineEnd line_end) {
  line_end_ = line_end;
  state_ = State::LineStart;
  previous_crlf_ = true;  // the status line's end is the caller's business
  last_was_cr_ = false;
  out_.clear();
  out_.shrink_to_fit();
}

void BodyDecoder::emit(std::string_view bytes) {
  if (bytes.empty()) return;
  out_.append(bytes);
  last_was_cr_ = out_.back() == '\r';
}

bool BodyDecoder::ends_body(bool with_crlf) const {
  if (line_end_ == LineEnd::BareLf) return true;
  return with_crlf && previous_crlf_;
}

BodyDecoder::Result BodyDecoder::decode(std::string_view input) {
  Result result;
  out_.clear();
  out_.reserve(input.size());  // the usual size of the output (take_data() may have taken the buffer)
  std::size_t i = 0;
  while (i < input.size() && !result.finished) {
    switch (state_) {
      case State::LineStart:
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
        } else if (input[i] == '\n') {  // "." and a bare LF
          ++i;
          if (ends_body(false)) {
            result.finished = true;
          } else {
            emit(".\r\n");
            previous_crlf_ = false;
            state_ = State::LineStart;
          }
        } else {
          state_ = State::InLine;  // the "." was stuffing: drop it, keep the rest
        }
        break;

      case State::DotCr:
        if (input[i] == '\n') {
          ++i;
          if (ends_body(true)) {
            result.finished = true;
          } else {
            emit(".\r\n");
            previous_crlf_ = true;
            state_ = State::LineStart;
          }
        } else {
          // ".\r" followed by more: a stuffed line whose content starts with CR.
          emit("\r");
          state_ = State::InLine;
        }
        break;

      case State::InLine: {
        // Copy up to the next LF in one go: no per-byte work on long lines.
        const std::size_t lf = input.find('\n', i);
        const std::size_t end = lf == std::string_view::npos ? input.size() : lf;
        emit(input.substr(i, end - i));
        i = end;
        if (lf == std::string_view::npos) break;
        // The line ends here; a CR just before the LF is part of its end.
        previous_crlf_ = last_was_cr_;
        emit(last_was_cr_ ? "\n" : "\r\n");
        ++i;
        state_ = State::LineStart;
        break;
      }
    }
  }
  result.consumed = i;
  result.data = out_;
  return result;
}

}  // namespace pop3
