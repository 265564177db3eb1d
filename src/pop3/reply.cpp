#include "pop3/reply.hpp"

#include "common/sanitize.hpp"
#include "pop3/text.hpp"

namespace pop3 {
namespace {

// Matches `indicator` at the start of `line`; returns the text after it.
std::optional<std::string_view> match_indicator(std::string_view line, std::string_view indicator) {
  if (line.size() < indicator.size() || !iequals(line.substr(0, indicator.size()), indicator)) {
    return std::nullopt;
  }
  std::string_view rest = line.substr(indicator.size());
  if (rest.empty()) return rest;
  if (rest.front() != ' ') return std::nullopt;  // "+OKAY" is not "+OK"
  // One space separates indicator and text; tolerate a few more.
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

// True for "LEVEL" or "LEVEL/..." (codes are hierarchical, RFC 2449 §8).
bool code_is(std::string_view code, std::string_view expected) {
  if (code.size() < expected.size() || !iequals(code.substr(0, expected.size()), expected)) return false;
  return code.size() == expected.size() || code[expected.size()] == '/';
}

}  // namespace

std::string_view to_string(ResponseCode code) {
  switch (code) {
    case ResponseCode::None:
      return "";
    case ResponseCode::Auth:
      return "AUTH";
    case ResponseCode::SysTemp:
      return "SYS/TEMP";
    case ResponseCode::SysPerm:
      return "SYS/PERM";
    case ResponseCode::InUse:
      return "IN-USE";
    case ResponseCode::LoginDelay:
      return "LOGIN-DELAY";
    case ResponseCode::Other:
      return "other";
  }
  return "";
}

std::optional<StatusLine> parse_status_line(std::string_view line) {
  StatusLine status;
  if (auto text = match_indicator(line, "+OK")) {
    status.ok = true;
    status.text = *text;
  } else if (auto err_text = match_indicator(line, "-ERR")) {
    status.ok = false;
    status.text = *err_text;
  } else {
    return std::nullopt;
  }
  status.code = parse_response_code(status.text);
  return status;
}

std::optional<std::string_view> parse_continuation(std::string_view line) {
  if (line.empty() || line.front() != '+') return std::nullopt;
  std::string_view rest = line.substr(1);
  if (rest.empty()) return rest;
  if (rest.front() != ' ') return std::nullopt;
  rest.remove_prefix(1);
  // Some servers pad the base64 with trailing spaces.
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  return rest;
}

ResponseCode parse_response_code(std::string_view text) {
  if (text.empty() || text.front() != '[') return ResponseCode::None;
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos || close == 1) return ResponseCode::None;
  const std::string_view code = text.substr(1, close - 1);
  if (code_is(code, "AUTH")) return ResponseCode::Auth;
  if (code_is(code, "SYS/TEMP")) return ResponseCode::SysTemp;
  if (code_is(code, "SYS/PERM")) return ResponseCode::SysPerm;
  if (code_is(code, "IN-USE")) return ResponseCode::InUse;
  if (code_is(code, "LOGIN-DELAY")) return ResponseCode::LoginDelay;
  return ResponseCode::Other;
}

ServerError to_server_error(const StatusLine& status, std::span<const std::string> secrets) {
  return ServerError{status.code, common::quote_untrusted(status.text, secrets)};
}

}  // namespace pop3
