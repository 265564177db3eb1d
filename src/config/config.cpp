// Names of the enums, the small predicates on them, and Config/Diagnostic helpers.
#include "config/config.hpp"

#include <cctype>

#include "config/key_names.hpp"

namespace config {

bool valid_account_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The names come from the tables the loader parses with (key_names.hpp).
std::string_view to_string(Security value) { return detail::name_of(detail::kSecurityNames, value); }
std::string_view to_string(AuthMethod value) { return detail::name_of(detail::kAuthNames, value); }
std::string_view to_string(Pipelining value) { return detail::name_of(detail::kPipeliningNames, value); }
std::string_view to_string(TlsMinVersion value) { return detail::name_of(detail::kTlsMinVersionNames, value); }
std::string_view to_string(PasswordSource::Kind kind) {
  return detail::name_of(detail::kPasswordSourceNames, kind);
}

bool verifies_certificate(Security value) { return value == Security::Tls || value == Security::StartTls; }

bool implicit_tls(Security value) { return value == Security::Tls || value == Security::TlsIfAvailable; }

const Account* Config::find_account(std::string_view name) const {
  for (const Account& account : accounts) {
    if (account.name == name) return &account;
  }
  return nullptr;
}

std::string Diagnostic::to_string() const {
  // Line 0 means "the file as a whole" (missing, unreadable): no position to print.
  if (location.line <= 0) return location.file + ": " + message;
  return location.file + ":" + std::to_string(location.line) + ":" + std::to_string(location.column) + ": " +
         message;
}

std::optional<Sha256Pin> parse_sha256_fingerprint(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.size() < kPrefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != kPrefix[i]) return std::nullopt;
  }
  text.remove_prefix(kPrefix.size());
  const bool separated = text.size() == 32 * 3 - 1;
  if (!separated && text.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256Pin pin{};
  const std::size_t step = separated ? 3 : 2;
  for (std::size_t i = 0; i < pin.size(); ++i) {
    const std::size_t at = i * step;
    if (separated && i > 0 && text[at - 1] != ':') return std::nullopt;
    const int high = nibble(text[at]);
    const int low = nibble(text[at + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    pin[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return pin;
}

}  // namespace config
