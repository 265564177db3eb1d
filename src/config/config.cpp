// Names of the enums, the small predicates on them, and Config/Diagnostic helpers.
#include "config/config.hpp"

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

}  // namespace config
