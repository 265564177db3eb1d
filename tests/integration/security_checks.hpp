#pragma once
// The checks the security tests (security_test.cpp, security_refusals_test.cpp)
// share: a complete, byte-exact fetch with the expected method and encryption
// and no password in any log; a refused poll that changed nothing; and how
// Dovecot's log and popfetchd's own show what was sent.
// Owns nothing; reads the server's log and the archive file, writes nothing.

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "support/dovecot_server.hpp"

namespace integration::security {

inline constexpr config::AuthMethod kAuths[] = {config::AuthMethod::Plain, config::AuthMethod::CramMd5};

std::string name_of(config::Security security);
std::string name_of(config::AuthMethod auth);

// Bound for waiting on Dovecot's asynchronous log; only a broken run waits this long.
inline constexpr auto kLogDeadline = std::chrono::seconds(10);
inline constexpr auto kLogPollStep = std::chrono::milliseconds(5);

// Polls the server's log until `predicate` holds for it or the deadline passes.
template <class Predicate>
bool wait_for_log(const test_support::DovecotServer& server, Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + kLogDeadline;
  while (!predicate(server.log_text())) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kLogPollStep);
  }
  return true;
}

// The lines of `text` that contain `needle`.
std::vector<std::string> lines_containing(const std::string& text, const std::string& needle);

// Every Dovecot log line about `user`'s login or authentication: the
// pop3-login "user=<name>" lines and the auth process's "passwd-file(name,".
std::vector<std::string> auth_lines_for(const std::string& log, const std::string& user);

// The client lines that would carry credentials (RFC 1939 USER/PASS/APOP, RFC 5034 AUTH).
bool sends_credentials(const std::string& line);

// popfetchd's own log (debug level: every command it sent, passwords
// redacted) shows a credential-carrying command.
bool sent_credentials(const PollOutcome& outcome);

// The server's POP3S port for the implicit-TLS modes, else its POP3 port.
std::uint16_t port_for(const test_support::DovecotServer& server, config::Security security);

// Checks one successful poll of a fresh mailbox: everything arrived
// byte-exact, the archive's UIDLs are the server's, Dovecot saw the expected
// method, the session was encrypted exactly when it should be, and no log
// line (ours or Dovecot's) holds the password.
void expect_complete_fetch(test_support::DovecotServer& server, const Mailbox& mailbox, const std::string& db,
                           const PollOutcome& outcome, config::AuthMethod auth, bool encrypted);

// A refused poll: nothing fetched, nothing deleted, no login.
void expect_nothing_happened(test_support::DovecotServer& server, const Mailbox& mailbox, const std::string& db);

}  // namespace integration::security
