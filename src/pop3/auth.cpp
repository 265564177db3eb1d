#include "pop3/auth.hpp"

#include "common/sanitize.hpp"
#include "pop3/base64.hpp"
#include "pop3/scram.hpp"

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

std::string xoauth2_message(std::string_view username, std::string_view token) {
  std::string message = "user=";
  message += username;
  message += "\x01" "auth=Bearer ";
  message += token;
  message += "\x01\x01";
  return message;
}

std::string oauthbearer_message(std::string_view username, std::string_view host, std::uint16_t port,
                                std::string_view token) {
  std::string message = "n,a=" + scram_escape_username(username) + ",";
  message += "\x01" "host=";
  message += host;
  message += "\x01" "port=" + std::to_string(port);
  message += "\x01" "auth=Bearer ";
  message += token;
  message += "\x01\x01";
  return message;
}

std::string apop_digest(std::string_view timestamp, std::string_view password, const Digests& digests) {
  std::string input(timestamp);
  input += password;
  return to_lower_hex(digests.md5(input));
}

std::vector<std::string> password_forms(std::string_view username, std::string_view password) {
  std::vector<std::string> forms;
  if (password.empty()) return forms;
  forms.emplace_back(password);
  forms.push_back(base64_encode(password));
  // Behind k bytes of something else, base64 characters [first, last) carry
  // bits of the password only: a 6-bit character at 6i is the password's
  // from bit 8k on, up to bit 8(k + n).
  constexpr std::size_t kMinCore = 4;
  for (std::size_t k = 0; k <= 2; ++k) {
    std::string shifted(k, '\0');
    shifted += password;
    std::string encoded = base64_encode(shifted);
    const std::size_t first = (8 * k + 5) / 6;
    const std::size_t last = 8 * (k + password.size()) / 6;
    if (last >= first + kMinCore) forms.push_back(encoded.substr(first, last - first));
    common::wipe_secret(shifted);
    common::wipe_secret(encoded);
  }
  forms.push_back(sasl_plain_response(username, password));
  std::string with_authzid(username);
  with_authzid += '\0';
  with_authzid += username;
  with_authzid += '\0';
  with_authzid += password;
  forms.push_back(base64_encode(with_authzid));
  common::wipe_secret(with_authzid);
  return forms;
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
