#include "pop3/auth.hpp"

#include "pop3/base64.hpp"

namespace pop3 {

std::string to_lower_hex(const Md5Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (std::uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

std::string sasl_plain_response(std::string_view username, std::string_view password) {
  std::string message;
  message.reserve(username.size() + password.size() + 2);
  message += '\0';  // authzid: empty, act as the user we authenticate as
  message += username;
  message += '\0';
  message += password;
  return base64_encode(message);
}

std::string cram_md5_response(std::string_view username, std::string_view password,
                              std::string_view challenge, const Digests& digests) {
  std::string message(username);
  message += ' ';
  message += to_lower_hex(digests.hmac_md5(password, challenge));
  return base64_encode(message);
}

std::string apop_digest(std::string_view timestamp, std::string_view password, const Digests& digests) {
  std::string input(timestamp);
  input += password;
  return to_lower_hex(digests.md5(input));
}

std::optional<std::string> greeting_timestamp(std::string_view greeting_text) {
  std::size_t from = 0;
  while ((from = greeting_text.find('<', from)) != std::string_view::npos) {
    const std::size_t close = greeting_text.find('>', from + 1);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inner = greeting_text.substr(from + 1, close - from - 1);
    bool valid = !inner.empty() && inner.find('@') != std::string_view::npos;
    for (unsigned char c : inner) {
      if (c < 0x21 || c > 0x7e || c == '<') valid = false;
    }
    if (valid) return std::string(greeting_text.substr(from, close - from + 1));
    from = from + 1;
  }
  return std::nullopt;
}

}  // namespace pop3
