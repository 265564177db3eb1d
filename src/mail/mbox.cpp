#include "mail/mbox.hpp"

#include <utility>

namespace mail {

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append(line);
    out.append("\r\n");
    start = end + 1;
  }
  return out;
}

std::string_view unquote_from_line(std::string_view line) {
  std::size_t quotes = 0;
  while (quotes < line.size() && line[quotes] == '>') ++quotes;
  if (quotes == 0 || line.substr(quotes).rfind("From ", 0) != 0) return line;
  return line.substr(1);
}

std::optional<std::string> MboxSplitter::take_message() {
  if (!in_message_) return std::nullopt;
  // The empty line kept back ended the message: it belongs to the format.
  pending_empty_line_ = false;
  return std::exchange(message_, std::string());
}

std::optional<std::string> MboxSplitter::add_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.rfind("From ", 0) == 0) {
    std::optional<std::string> done = take_message();
    in_message_ = true;
    return done;
  }
  if (!in_message_) {
    ++dropped_lines_;
    return std::nullopt;
  }
  if (pending_empty_line_) message_.append("\r\n");
  pending_empty_line_ = line.empty();
  if (!line.empty()) {
    message_.append(unquote_from_line(line));
    message_.append("\r\n");
  }
  return std::nullopt;
}

std::optional<std::string> MboxSplitter::finish() {
  std::optional<std::string> last = take_message();
  in_message_ = false;
  return last;
}

}  // namespace mail
