#pragma once
// fetch/session_setup: the one place where an account's configuration meets
// the POP3 engine and the transport — which TLS policy, certificate check,
// authentication and pipelining mode a config means, and how a failed session
// maps onto our error kinds and the retry decision. Pure functions: no I/O.

#include <cstddef>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"
#include "fetch/poll_report.hpp"
#include "net/socks5.hpp"
#include "net/tls_options.hpp"
#include "pop3/events.hpp"
#include "pop3/session.hpp"

namespace fetch {

struct SessionSettings {
  bool force_pipelining_off = false;  // the last poll failed while pipelining
  std::size_t pipeline_window = 1;    // RETRs the poll keeps in flight
};

// What pop3::Session needs for `account`; the password is moved in.
pop3::SessionOptions session_options(const config::Account& account, common::Secret password,
                                     const SessionSettings& settings);

// The TLS parameters of the account (server name for SNI and the check,
// whether to verify, the CA file).
net::TlsOptions tls_options(const config::Account& account);

// TLS from the first byte (tls, tls-if-available): the options; else none.
std::optional<net::TlsOptions> implicit_tls_options(const config::Account& account);

// The account's SOCKS5 proxy (a copy of its password), or none.
std::optional<net::Socks5Proxy> proxy_options(const config::Account& account);

// For an authentication failure: when the username was defaulted from the
// email's local part, "username 'alice' was taken from alice@example.com;
// many providers need the whole address: set username:"; else "".
std::string username_hint(const config::Account& account);

// How a failed session maps onto our error kinds and the retry decision.
struct Classified {
  common::ErrorKind kind;
  RetryHint retry;
};
Classified classify(const pop3::SessionError& error);

}  // namespace fetch
