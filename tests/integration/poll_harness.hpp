#pragma once
// Runs fetch::AccountPoll in-process, the way `poll-once` wires it
// (src/app/poll_once.cpp), through test_support::run_one_poll: one uv loop, a
// real store::Archive on a file, one ArchiveWriter, net::MbedDigests. For the
// integration tests against Dovecot, which check what a poll did from outside
// (the archive's rows, the server's mailbox and log).
//
// Owns: nothing between calls; each run_poll() opens the archive, runs its own
// loop to the end and closes both. Never touches the server.
// Errors: run_poll() returns Storage/Config errors of its own setup (opening
// the archive, creating the digests); the poll's own failure is in the report.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "fetch/poll_report.hpp"
#include "net/tls_session_cache.hpp"

namespace integration {

// An account as the config loader would build it, with the fields the tests
// vary; everything else keeps config::Account's defaults (keep: true, 50 MB).
config::Account make_account(const std::string& name, const std::string& server, std::uint16_t port,
                             config::Security security, config::AuthMethod auth);

struct PollOutcome {
  fetch::PollReport report;
  // popfetchd's own log lines (at debug level) during the poll: commands sent
  // ("> RETR 3", "> PASS ***"), TLS versions, warnings.
  std::vector<std::string> log;

  bool logged(const std::string& needle) const;
};

// One poll of `account` with `password` against the archive at `database`
// (created when missing), run to completion. With `tls_sessions`, the poll
// resumes and stores the account's TLS session there, as the daemon's are.
common::Result<PollOutcome> run_poll(const config::Account& account, const std::string& password,
                                     const std::string& database,
                                     std::shared_ptr<net::TlsSessionCache> tls_sessions = nullptr);

}  // namespace integration
