#include "pop3/line_reader.hpp"

namespace pop3 {

void LineReader::reset() {
  partial_.clear();
  clear_before_next_ = false;
  too_long_ = false;
}

LineReader::Result LineReader::read(std::string_view input) {
  if (clear_before_next_) {
    partial_.clear();
    clear_before_next_ = false;
  }
  if (too_long_) return {Status::TooLong, 0, {}};

  // The line may carry one CR before its LF, so up to max + 1 bytes are
  // legitimate before the LF is seen.
  const std::size_t lf = input.find('\n');
  const std::size_t scanned = lf == std::string_view::npos ? input.size() : lf;
  if (partial_.size() + scanned > max_length_ + 1) {
    too_long_ = true;
    partial_.clear();
    return {Status::TooLong, 0, {}};
  }
  if (lf == std::string_view::npos) {
    partial_.append(input);
    return {Status::NeedMore, input.size(), {}};
  }

  std::string_view line;
  if (partial_.empty()) {
    line = input.substr(0, lf);  // the common case: no copy
  } else {
    partial_.append(input.substr(0, lf));
    line = partial_;
    clear_before_next_ = true;
  }
  const bool crlf = !line.empty() && line.back() == '\r';
  if (crlf) line.remove_suffix(1);
  if (line.size() > max_length_) {
    too_long_ = true;
    partial_.clear();
    clear_before_next_ = false;
    return {Status::TooLong, 0, {}};
  }
  return {Status::Line, lf + 1, line, crlf};
}

}  // namespace pop3
