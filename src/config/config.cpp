// Names of the enums, the small predicates on them, and Config/Diagnostic helpers.
#include "config/config.hpp"

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

std::string_view to_string(Security value) {
  switch (value) {
    case Security::None:
      return "none";
    case Security::Tls:
      return "tls";
    case Security::TlsIfAvailable:
      return "tls-if-available";
    case Security::StartTls:
      return "starttls";
    case Security::StartTlsIfAvailable:
      return "starttls-if-available";
  }
  return "unknown";
}

std::string_view to_string(AuthMethod value) {
  switch (value) {
    case AuthMethod::Plain:
      return "plain";
    case AuthMethod::CramMd5:
      return "cram-md5";
  }
  return "unknown";
}

std::string_view to_string(Pipelining value) {
  switch (value) {
    case Pipelining::Auto:
      return "auto";
    case Pipelining::On:
      return "on";
    case Pipelining::Off:
      return "off";
  }
  return "unknown";
}

std::string_view to_string(PasswordSource::Kind kind) {
  switch (kind) {
    case PasswordSource::Kind::Literal:
      return "password";
    case PasswordSource::Kind::File:
      return "password_file";
    case PasswordSource::Kind::Command:
      return "password_command";
    case PasswordSource::Kind::Env:
      return "password_env";
  }
  return "unknown";
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
