#include "fetch/session_setup.hpp"

#include <algorithm>
#include <utility>

namespace fetch {
namespace {

pop3::TlsPolicy tls_policy(config::Security security) {
  switch (security) {
    case config::Security::StartTls: return pop3::TlsPolicy::StartTlsRequired;
    case config::Security::StartTlsIfAvailable: return pop3::TlsPolicy::StartTlsIfAvailable;
    case config::Security::None:
    case config::Security::Tls:
    case config::Security::TlsIfAvailable: return pop3::TlsPolicy::AlreadySecure;
  }
  return pop3::TlsPolicy::AlreadySecure;
}

pop3::PipeliningMode pipelining_mode(config::Pipelining pipelining) {
  switch (pipelining) {
    case config::Pipelining::Auto: return pop3::PipeliningMode::Auto;
    case config::Pipelining::On: return pop3::PipeliningMode::On;
    case config::Pipelining::Off: return pop3::PipeliningMode::Off;
  }
  return pop3::PipeliningMode::Auto;
}

pop3::AuthMethod auth_method(config::AuthMethod auth) {
  switch (auth) {
    case config::AuthMethod::Plain: return pop3::AuthMethod::Plain;
    case config::AuthMethod::CramMd5: return pop3::AuthMethod::CramMd5;
    case config::AuthMethod::Login: return pop3::AuthMethod::Login;
    case config::AuthMethod::ScramSha1: return pop3::AuthMethod::ScramSha1;
    case config::AuthMethod::ScramSha256: return pop3::AuthMethod::ScramSha256;
    case config::AuthMethod::XOAuth2: return pop3::AuthMethod::XOAuth2;
    case config::AuthMethod::OAuthBearer: return pop3::AuthMethod::OAuthBearer;
    case config::AuthMethod::Auto: return pop3::AuthMethod::Auto;
    case config::AuthMethod::External: return pop3::AuthMethod::External;
  }
  return pop3::AuthMethod::Plain;
}

}  // namespace

pop3::SessionOptions session_options(const config::Account& account, common::Secret password,
                                     const SessionSettings& settings) {
  pop3::SessionOptions options;
  options.username = account.username;
  options.password = std::move(password);
  options.host = account.server;
  options.port = account.port;
  options.auth = auth_method(account.auth);
  options.tls = tls_policy(account.security);
  // A pinned certificate is no use in clear text: with tls_fingerprint,
  // starttls-if-available insists on STLS.
  if (!account.tls_fingerprints.empty() && options.tls == pop3::TlsPolicy::StartTlsIfAvailable) {
    options.tls = pop3::TlsPolicy::StartTlsRequired;
  }
  options.tls_from_start = config::implicit_tls(account.security);
  options.pipelining =
      settings.force_pipelining_off ? pop3::PipeliningMode::Off : pipelining_mode(account.pipelining);
  options.want_uidl = true;
  // The poll keeps at most pipeline_window RETRs in flight; the rest of the
  // session's window is room for the DELEs and TOPs that go out beside them.
  options.window = 2 * std::max<std::size_t>(1, settings.pipeline_window);
  return options;
}

net::TlsOptions tls_options(const config::Account& account) {
  net::TlsOptions options{account.server, config::verifies_certificate(account.security), account.ca_file};
  options.sha256_pins = account.tls_fingerprints;
  options.min_version = account.tls_min_version == config::TlsMinVersion::Tls1_3 ? net::TlsVersion::Tls1_3
                                                                                  : net::TlsVersion::Tls1_2;
  options.client_cert = account.tls_client_cert;
  options.client_key = account.tls_client_key;
  return options;
}

std::optional<net::Socks5Proxy> proxy_options(const config::Account& account) {
  if (!account.proxy) return std::nullopt;
  const config::Proxy& proxy = *account.proxy;
  return net::Socks5Proxy{proxy.host, proxy.port, proxy.username, proxy.password->duplicate()};
}

std::optional<net::TlsOptions> implicit_tls_options(const config::Account& account) {
  if (!config::implicit_tls(account.security)) return std::nullopt;
  return tls_options(account);
}

std::string username_hint(const config::Account& account) {
  if (!account.username_from_email) return {};
  return "username '" + account.username + "' was taken from " + account.email +
         "; many providers need the whole address: set username:";
}

Classified classify(const pop3::SessionError& error) {
  using K = pop3::SessionErrorKind;
  switch (error.kind) {
    case K::Auth: return {common::ErrorKind::Auth, RetryHint::AuthFailed};
    case K::AuthUnavailable: return {common::ErrorKind::Auth, RetryHint::Permanent};
    case K::TempFail:
      if (error.code == pop3::ResponseCode::InUse) return {common::ErrorKind::TempFail, RetryHint::InUse};
      if (error.code == pop3::ResponseCode::LoginDelay) return {common::ErrorKind::TempFail, RetryHint::LoginDelay};
      return {common::ErrorKind::TempFail, RetryHint::Normal};
    case K::PermFail: return {common::ErrorKind::PermFail, RetryHint::Permanent};
    case K::TlsRequired: return {common::ErrorKind::Tls, RetryHint::Normal};
    case K::ConnectionClosed: return {common::ErrorKind::Io, RetryHint::Normal};
    case K::GreetingRejected: return {common::ErrorKind::TempFail, RetryHint::Normal};
    case K::Usage: return {common::ErrorKind::Config, RetryHint::Permanent};
    case K::Protocol:
    case K::CommandRejected: return {common::ErrorKind::Protocol, RetryHint::Normal};
  }
  return {common::ErrorKind::Protocol, RetryHint::Normal};
}

}  // namespace fetch
