#pragma once
// HostileTest: a GoogleTest fixture that runs one fetch::AccountPoll — the
// real client, end to end: net::Connection, pop3::Session, ArchiveWriter —
// against a FakePop3Server on its own libuv loop (test_support::run_one_poll),
// and lets the test look at what came of it: the PollReport, the archive, the
// complete debug log.
//
// Owns a temporary directory with the archive (SQLite, WAL) and its lock
// files, the digests and, while a test runs, the log sink (every line at
// debug level). It never talks to a server other than the one
// the test hands it. A poll that does not end within the watchdog (kWatchdog,
// or $POPFETCHD_HOSTILE_WATCHDOG seconds: scripts/valgrind raises it) is
// stopped and the test fails (that only bounds a broken test; no test relies on it).
// Errors: setup failures are fatal test failures.

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "fetch/account_poll.hpp"
#include "fetch/archive_writer.hpp"
#include "fetch/poll_report.hpp"
#include "fetch/token_refresh.hpp"
#include "net/mbed_digests.hpp"
#include "store/archive.hpp"
#include "support/fake_pop3_server.hpp"
#include "support/poll_harness.hpp"
#include "support/temp_dir.hpp"

namespace hostile {

// The names every scenario file uses.
using common::ErrorKind;
using test_support::FakePop3Script;
using test_support::FakePop3Server;

// Distinctive, so a leak is unmistakable in any log, error or byte stream.
inline constexpr std::string_view kUser = "alice";
inline constexpr std::string_view kPassword = "Hostile-Pw-5e1f-x9";
// Short, so stalls end quickly: a stall must end in a Timeout error.
inline constexpr std::chrono::seconds kTimeout{1};
inline constexpr std::chrono::seconds kWatchdog{120};

// Every form in which a password could leave the process: as is, in SASL
// PLAIN's base64 ("\0user\0password" and "user\0user\0password"), and base64
// of the password alone. Without arguments: kUser's kPassword.
std::vector<std::string> secret_forms(std::string_view user, std::string_view password);
std::vector<std::string> secret_forms();
// The first secret form found in `bytes` (a log, a file), if any.
std::optional<std::string> find_secret(std::string_view bytes, const std::vector<std::string>& forms);

struct StoredMessage {
  std::string uidl;
  std::string raw;
};

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // An account pointing at `server`: clear text, USER/PASS or SASL PLAIN,
  // keep: true, timeout kTimeout, max_message_size 10 MB, ca_file the test PKI's CA.
  config::Account account_for(const test_support::FakePop3Server& server,
                              config::Security security = config::Security::None) const;
  config::Account account_at(std::string host, std::uint16_t port, config::Security security) const;

  struct PollTweaks {
    std::size_t max_messages_per_poll = fetch::kDefaultMaxMessagesPerPoll;
    // When set, the poll keeps its progress there (as the daemon's does).
    std::shared_ptr<fetch::PollProgress> progress = nullptr;
    std::string password = std::string(kPassword);
    // When set, the poll runs wrapped by fetch::with_token_refresh.
    fetch::TokenRefresh refresh;
    // When set, used instead of the real digests (e.g. for a fixed SCRAM nonce).
    const pop3::Digests* digests = nullptr;
  };
  // Runs one poll to its end and returns its report. Afterwards the writer
  // has nothing uncommitted (asserted) and log() holds every line it logged.
  fetch::PollReport poll(const config::Account& account, PollTweaks tweaks);
  fetch::PollReport poll(const config::Account& account) { return poll(account, PollTweaks{}); }

  // The ritual most scenarios share: a FakePop3Server runs `script` and an
  // account pointed at it (account_for, then `adjust`) polls it once. A server
  // that cannot start is a fatal test failure (the report is then empty).
  struct ScriptedPoll {
    std::unique_ptr<test_support::FakePop3Server> server;
    fetch::PollReport report;
  };
  ScriptedPoll poll_script(test_support::FakePop3Script script,
                           const std::function<void(config::Account&)>& adjust = {});
  ScriptedPoll poll_script(test_support::FakePop3Script script,
                           const std::function<void(config::Account&)>& adjust, PollTweaks tweaks);
  // The poll succeeded and the server saw every line its script expected.
  void expect_succeeded(const ScriptedPoll& outcome);

  // The archive's messages for the account, in id order.
  std::vector<StoredMessage> stored();
  const std::vector<std::string>& log() const { return log_; }
  const std::string& database_path() const { return database_path_; }

  // The checks every failing scenario shares: the poll failed with `kind`
  // and a message containing `message_part` (one printable line), no DELE
  // was sent, and no secret is in the error, the summary or the log.
  void expect_failed(const fetch::PollReport& report, common::ErrorKind kind, std::string_view message_part,
                     const test_support::FakePop3Server& server);
  // No secret in the report or the log (for any poll).
  void expect_no_secret_logged(const fetch::PollReport& report);

 private:
  std::optional<test_support::TempDir> dir_;
  std::string database_path_;
  std::optional<store::Archive> archive_;
  std::unique_ptr<net::MbedDigests> digests_;
  std::vector<std::string> log_;
  std::optional<test_support::LogCapture> log_capture_;  // into log_, from SetUp to TearDown
};

// No form of the password in any line the server received (for polls that
// authenticate without sending it: CRAM-MD5, APOP, or not at all).
void expect_password_never_sent(const test_support::FakePop3Server& server);
// That, and no USER, PASS, AUTH or APOP line at all (polls that must refuse
// before authenticating).
void expect_no_credentials_sent(const test_support::FakePop3Server& server);

// Lines the server received that start with `prefix` (e.g. "DELE", "RETR").
std::vector<std::string> lines_starting_with(const test_support::FakePop3Server& server,
                                             std::string_view prefix);

// Peak resident set size of this process so far, in KiB (getrusage). For
// reports only: tests never assert on it.
long peak_rss_kib();

}  // namespace hostile
