#include "pop3/capabilities.hpp"

#include <charconv>

#include "common/sanitize.hpp"
#include "pop3/limits.hpp"
#include "pop3/text.hpp"

namespace pop3 {
namespace {

// Splits off the next space-separated word (several spaces or tabs count as one).
std::string_view next_word(std::string_view& text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  std::size_t end = 0;
  while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
  std::string_view word = text.substr(0, end);
  text.remove_prefix(end);
  return word;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_mechanism_name(std::string_view name) {
  // RFC 4422 §3.1: 1..20 of upper-case letters, digits, "-" and "_".
  if (name.empty() || name.size() > 20) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool Capabilities::has_sasl(std::string_view mechanism) const {
  for (const std::string& name : sasl) {
    if (iequals(name, mechanism)) return true;
  }
  return false;
}

void Capabilities::add_line(std::string_view line) {
  std::string_view rest = line;
  const std::string_view tag = next_word(rest);
  if (iequals(tag, "STLS")) {
    stls = true;
  } else if (iequals(tag, "USER")) {
    user = true;
  } else if (iequals(tag, "PIPELINING")) {
    pipelining = true;
  } else if (iequals(tag, "UIDL")) {
    uidl = true;
  } else if (iequals(tag, "TOP")) {
    top = true;
  } else if (iequals(tag, "RESP-CODES")) {
    resp_codes = true;
  } else if (iequals(tag, "AUTH-RESP-CODE")) {
    auth_resp_code = true;
  } else if (iequals(tag, "LOGIN-DELAY")) {
    login_delay = true;
    const std::string_view seconds = next_word(rest);
    std::uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), value);
    if (!seconds.empty() && ec == std::errc() && ptr == seconds.data() + seconds.size()) {
      login_delay_seconds = value;
    }
  } else if (iequals(tag, "EXPIRE")) {
    expire = true;
    expire_policy = common::sanitize(trim(rest));
  } else if (iequals(tag, "UTF8")) {
    utf8 = true;
  } else if (iequals(tag, "IMPLEMENTATION")) {
    implementation = common::sanitize(trim(rest));
  } else if (iequals(tag, "SASL")) {
    for (std::string_view name = next_word(rest); !name.empty(); name = next_word(rest)) {
      if (sasl.size() >= kMaxSaslMechanisms) break;
      if (is_mechanism_name(name) && !has_sasl(name)) sasl.push_back(to_upper(name));
    }
  }
  // Anything else is a capability we do not use (RFC 2449 §5: ignore it).
}

std::string Capabilities::summary() const {
  std::string out;
  auto add = [&out](std::string_view word) {
    if (!out.empty()) out += ' ';
    out += word;
  };
  if (stls) add("STLS");
  if (user) add("USER");
  if (!sasl.empty()) {
    std::string list = "SASL(";
    for (std::size_t i = 0; i < sasl.size(); ++i) list += (i ? " " : "") + sasl[i];
    add(list + ")");
  }
  if (pipelining) add("PIPELINING");
  if (uidl) add("UIDL");
  if (top) add("TOP");
  if (resp_codes) add("RESP-CODES");
  if (auth_resp_code) add("AUTH-RESP-CODE");
  if (login_delay) add("LOGIN-DELAY");
  if (expire) add("EXPIRE");
  if (utf8) add("UTF8");
  return out;
}

}  // namespace pop3
