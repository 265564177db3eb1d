// footgun_warnings: settings that load fine but are probably a mistake or a risk.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace config {
namespace {

// Port numbers that announce a transport (RFC 1939 / RFC 8314).
constexpr std::uint16_t kPop3Port = 110;
constexpr std::uint16_t kPop3sPort = 995;

void warn(std::vector<Diagnostic>& out, const Account& account, const std::string& message) {
  out.push_back(Diagnostic{account.location, "account '" + account.name + "': " + message});
}

void port_mismatch(std::vector<Diagnostic>& out, const Account& account) {
  const std::string security(to_string(account.security));
  if (account.port == kPop3sPort && !implicit_tls(account.security)) {
    warn(out, account,
         "security " + security +
             " on port 995, but 995 is POP3S (TLS from the first byte): the "
             "server will wait for a TLS handshake; use security: tls, or port: 110");
  }
  if (account.port == kPop3Port && implicit_tls(account.security)) {
    warn(out, account,
         "security " + security +
             " on port 110, but 110 is plain POP3: the TLS handshake will "
             "fail; use security: starttls, or port: 995");
  }
}

void weak_mode(std::vector<Diagnostic>& out, const Account& account) {
  switch (account.security) {
    case Security::None:
      warn(out, account,
           "security none: nothing is encrypted; anyone on the path can read the mail and the "
           "login");
      break;
    case Security::TlsIfAvailable:
      if (!account.tls_fingerprints.empty()) break;  // the pin is checked
      warn(out, account,
           "security tls-if-available: the certificate is not checked, so an attacker on the path "
           "can pose as the server and capture the password; use tls");
      break;
    case Security::StartTlsIfAvailable:
      warn(out, account,
           "security starttls-if-available: an attacker can strip STLS from the server's "
           "capabilities to keep the session in clear text, and the certificate is not checked; "
           "use starttls");
      break;
    case Security::Tls:
    case Security::StartTls:
      break;
  }
  if (account.security == Security::None && !account.tls_fingerprints.empty()) {
    warn(out, account, "tls_fingerprint has no effect with security none: there is no TLS to pin");
  }
  if (account.security == Security::None &&
      (account.auth == AuthMethod::Plain || account.auth == AuthMethod::Login)) {
    warn(out, account,
         "auth " + std::string(to_string(account.auth)) +
             " over security none: the password travels in clear text; use TLS, or "
             "auth: scram-sha-256, cram-md5 or auto");
  }
  if (account.security == Security::None &&
      (account.auth == AuthMethod::XOAuth2 || account.auth == AuthMethod::OAuthBearer)) {
    warn(out, account,
         "auth " + std::string(to_string(account.auth)) +
             " over security none: an access token is never sent without TLS, so this account "
             "cannot log in; use security: tls or starttls");
  }
}

// Providers whose POP3 login is the whole address (their help pages say so).
// iCloud is not here: Apple asks for the name part first.
constexpr std::string_view kWholeAddressDomains[] = {
    "gmail.com", "googlemail.com", "office365.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
    "gmx.net",   "gmx.com",        "gmx.de",        "aol.com",     "zoho.com",    "zoho.eu",  "fastmail.com",
};

bool host_in(std::string_view host, std::string_view domain) {
  if (host.size() < domain.size()) return false;
  std::string lower(host.substr(host.size() - domain.size()));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower == domain && (host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.');
}

void defaulted_username(std::vector<Diagnostic>& out, const Account& account) {
  if (!account.username_from_email) return;
  for (std::string_view domain : kWholeAddressDomains) {
    if (!host_in(account.server, domain)) continue;
    warn(out, account,
         "username '" + account.username + "' was taken from " + account.email + ", but " + account.server +
             " needs the whole address to log in: set username: " + account.email);
    return;
  }
}

// A config file that others can read must not hold a literal password.
bool readable_by_others(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;  // load_string configs have no file
  return (info.st_mode & 077) != 0;
}

// The client certificate's files: both must be readable (by us, now), and
// the private key by nobody else.
void client_cert_files(std::vector<Diagnostic>& out, const Account& account) {
  if (account.tls_client_cert.empty() && account.tls_client_key.empty()) return;
  auto readable = [&](std::string_view key, const std::string& path) {
    if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
      warn(out, account, "cannot read " + std::string(key) + " '" + path + "': " + std::strerror(errno));
    }
  };
  readable("tls_client_cert", account.tls_client_cert);
  readable("tls_client_key", account.tls_client_key);
  struct stat info {};
  if (!account.tls_client_key.empty() && ::stat(account.tls_client_key.c_str(), &info) == 0 &&
      (info.st_mode & 077) != 0) {
    warn(out, account,
         "tls_client_key '" + account.tls_client_key +
             "' is readable by group or others; whoever reads it can log in as this account: chmod 600 it");
  }
}

}  // namespace

std::vector<Diagnostic> footgun_warnings(const Config& config) {
  std::vector<Diagnostic> out;
  const bool exposed = readable_by_others(config.path);
  for (const Account& account : config.accounts) {
    port_mismatch(out, account);
    weak_mode(out, account);
    defaulted_username(out, account);
    client_cert_files(out, account);
    if (exposed && account.password.kind == PasswordSource::Kind::Literal) {
      warn(out, account,
           "the config file " + config.path +
               " is readable by group or others and holds this "
               "account's password; chmod 600 it, or use password_file/password_env/password_command");
    }
  }
  return out;
}

}  // namespace config
