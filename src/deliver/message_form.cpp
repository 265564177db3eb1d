#include "deliver/message_form.hpp"

#include <algorithm>

#include "mail/headers.hpp"

namespace deliver {

std::string dot_stuffed_data(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 64 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (line_start && c == '.') out.push_back('.');
    if (c == '\n' && (i == 0 || raw[i - 1] != '\r')) out.push_back('\r');
    out.push_back(c);
    line_start = c == '\n';
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

bool usable_mailbox(std::string_view address) {
  if (address.empty() || address.size() > kMaxSenderLength) return false;
  return std::all_of(address.begin(), address.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f && c != '<' && c != '>';
  });
}

std::string return_path_sender(std::string_view raw) {
  const auto fields = mail::split_header_fields(mail::header_block(raw));
  const auto value = mail::find_field(fields, "Return-Path");
  if (!value) return {};
  const auto open = value->find('<');
  const auto close = value->find('>', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return {};
  const std::string_view address = std::string_view(*value).substr(open + 1, close - open - 1);
  return usable_mailbox(address) ? std::string(address) : std::string();
}

}  // namespace deliver
