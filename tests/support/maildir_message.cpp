#include "support/maildir_message.hpp"

namespace test_support {

std::string to_maildir_form(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;  // the LF follows
    out.push_back(raw[i]);
  }
  return out;
}

std::size_t pop3_list_size(std::string_view stored) {
  std::size_t size = stored.size();
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i] == '\n' && (i == 0 || stored[i - 1] != '\r')) ++size;
  }
  return size;
}

std::string expected_pop3_bytes(std::string_view raw) {
  const std::string stored = to_maildir_form(raw);
  std::string out;
  out.reserve(pop3_list_size(stored) + 2);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i] == '\n' && (i == 0 || stored[i - 1] != '\r')) out.push_back('\r');
    out.push_back(stored[i]);
  }
  if (out.empty() || out.back() != '\n') out += "\r\n";
  return out;
}

std::string maildir_file_name(std::string_view unique, std::string_view stored) {
  return std::string(unique) + ",S=" + std::to_string(stored.size()) +
         ",W=" + std::to_string(pop3_list_size(stored));
}

}  // namespace test_support
