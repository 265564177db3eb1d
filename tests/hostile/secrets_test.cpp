// Secrets: full polls against a real Dovecot at log level debug — in process
// (AccountPoll, every log line captured) and through the `popfetchd poll-once`
// binary (its complete stdout and stderr) — with distinctive passwords; then
// the log, the errors, the summary, the database file and its WAL are
// searched for every form of each password (as is, base64, SASL PLAIN). A
// failed login is checked the same way.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "hostile/poll_harness.hpp"
#include "support/child_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/files.hpp"
#include "support/sample_message.hpp"
#include "support/temp_dir.hpp"

namespace hostile {
namespace {

using config::AuthMethod;
using config::Security;
using test_support::DovecotServer;
using ::testing::Contains;
using ::testing::HasSubstr;

// Dovecot delays a failed login by 2 s by default; the wrong-password polls
// need the answer, not a timeout.
test_support::DovecotOptions dovecot_options() {
  test_support::DovecotOptions options;
  options.extra_config = {"auth_failure_delay = 0"};
  return options;
}

// The database file and its WAL (whichever exist), concatenated.
std::string database_bytes(const std::string& path) {
  return test_support::read_file(path) + test_support::read_file(path + "-wal");
}

using Secrets = HostileTest;

TEST_F(Secrets, InProcessDebugLogAndArchiveNeverHoldThePassword) {
  const std::string wrong_password = "Wrong-Pw-0b7e-q2";
  DovecotServer dovecot;
  ASSERT_TRUE(dovecot.add_user(kUser, kPassword).ok());
  for (int seed = 1; seed <= 3; ++seed) {
    ASSERT_TRUE(dovecot.deliver(kUser, test_support::make_message(seed, 3000)).ok());
  }
  auto started = dovecot.start(dovecot_options());
  ASSERT_TRUE(started.ok()) << started.error().message;

  // 1. STLS, then SASL PLAIN (the password travels base64-encoded), keep: true.
  config::Account account = account_at(dovecot.host(), dovecot.pop3_port(), Security::StartTls);
  account.ca_file = dovecot.ca_file().string();
  account.timeout = std::chrono::seconds(10);
  const fetch::PollReport plain = poll(account);
  ASSERT_TRUE(plain.ok()) << plain.error->message;
  EXPECT_EQ(plain.new_messages, 3u);

  // 2. POP3S and CRAM-MD5, keep: false: the stored messages are deleted.
  account.security = Security::Tls;
  account.port = dovecot.pop3s_port();
  account.auth = AuthMethod::CramMd5;
  account.keep = false;
  const fetch::PollReport cram = poll(account);
  ASSERT_TRUE(cram.ok()) << cram.error->message;
  EXPECT_EQ(cram.deleted, 3u);

  // 3. A wrong password: an Auth error that names neither password.
  account.security = Security::StartTls;
  account.port = dovecot.pop3_port();
  account.auth = AuthMethod::Plain;
  PollTweaks wrong;
  wrong.password = wrong_password;
  const fetch::PollReport failed = poll(account, wrong);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error->kind, common::ErrorKind::Auth) << failed.error->message;
  EXPECT_EQ(failed.retry, fetch::RetryHint::AuthFailed);

  // The captures are the real thing: debug lines of all three logins, and
  // an archive with the messages in it.
  EXPECT_THAT(log(), Contains(HasSubstr("> AUTH PLAIN")));
  EXPECT_THAT(log(), Contains(HasSubstr("> AUTH CRAM-MD5")));
  EXPECT_THAT(log(), Contains(HasSubstr("STARTTLS done")));
  const std::string database = database_bytes(database_path());
  EXPECT_NE(database.find("Subject:"), std::string::npos);

  std::vector<std::string> forms = secret_forms();
  for (std::string& form : secret_forms(kUser, wrong_password)) forms.push_back(std::move(form));
  for (const fetch::PollReport* report : {&plain, &cram, &failed}) {
    const std::string text =
        report->summary() + (report->error ? "\n" + report->error->message : std::string());
    EXPECT_EQ(find_secret(text, forms), std::nullopt) << text;
  }
  for (const std::string& line : log()) EXPECT_EQ(find_secret(line, forms), std::nullopt) << line;
  EXPECT_EQ(find_secret(database, forms), std::nullopt) << "a password is in the database or its WAL";
}

#ifdef POPFETCHD_BINARY

TEST(SecretsBinary, PollOnceDebugOutputAndArchiveNeverHoldThePassword) {
  // Three accounts on one Dovecot, polled concurrently by the real binary:
  // alice over STLS with SASL PLAIN, bob over POP3S with CRAM-MD5 (keep:
  // false), carol with a wrong password. Passwords come from files.
  const std::string alice_pw = "Binary-Pw-alice-3c9d";
  const std::string bob_pw = "Binary-Pw-bob-77aa";
  const std::string carol_pw = "Binary-Pw-carol-e41f";
  const std::string carol_wrong = "Binary-Wrong-carol-90d2";
  DovecotServer dovecot;
  ASSERT_TRUE(dovecot.add_user("alice", alice_pw).ok());
  ASSERT_TRUE(dovecot.add_user("bob", bob_pw).ok());
  ASSERT_TRUE(dovecot.add_user("carol", carol_pw).ok());
  for (const char* user : {"alice", "bob", "carol"}) {
    for (int seed = 1; seed <= 2; ++seed) {
      ASSERT_TRUE(dovecot.deliver(user, test_support::make_message(seed, 2500)).ok());
    }
  }
  auto started = dovecot.start(dovecot_options());
  ASSERT_TRUE(started.ok()) << started.error().message;

  auto dir = test_support::TempDir::create("popfetchd-secrets-");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  const std::filesystem::path base = dir->path();
  ASSERT_TRUE(test_support::write_file(base / "alice.pw", alice_pw + "\n", 0600).ok());
  ASSERT_TRUE(test_support::write_file(base / "bob.pw", bob_pw + "\n", 0600).ok());
  ASSERT_TRUE(test_support::write_file(base / "carol.pw", carol_wrong + "\n", 0600).ok());
  const std::string database = (base / "archive.db").string();
  const std::string ca = dovecot.ca_file().string();
  const std::string config =
      "database: " + database + "\nhealth_socket: \"\"\nlog_level: debug\n" +
      "defaults:\n  server: 127.0.0.1\n  timeout: 10s\n  ca_file: " + ca + "\n" + "accounts:\n" +
      "  - name: alice\n    username: alice\n    security: starttls\n    port: " +
      std::to_string(dovecot.pop3_port()) + "\n    password_file: " + (base / "alice.pw").string() + "\n" +
      "  - name: bob\n    username: bob\n    security: tls\n    auth: cram-md5\n"
      "    keep: false\n    port: " +
      std::to_string(dovecot.pop3s_port()) + "\n    password_file: " + (base / "bob.pw").string() + "\n" +
      "  - name: carol\n    username: carol\n    security: starttls\n    port: " +
      std::to_string(dovecot.pop3_port()) + "\n    password_file: " + (base / "carol.pw").string() + "\n";
  ASSERT_TRUE(test_support::write_file(base / "popfetchd.yaml", config, 0600).ok());

  const std::filesystem::path output = base / "output.txt";
  auto child = test_support::ChildProcess::spawn(
      {POPFETCHD_BINARY, "-c", (base / "popfetchd.yaml").string(), "poll-once"}, output);
  ASSERT_TRUE(child.ok()) << child.error().message;
  auto status = child->wait(std::chrono::seconds(60));
  ASSERT_TRUE(status.ok()) << status.error().message;
  const std::string text = test_support::read_file(output);
  EXPECT_EQ(test_support::describe_wait_status(*status), "exit 1") << text;  // carol failed

  // The capture is the real thing: debug lines, the summaries, the messages.
  EXPECT_THAT(text, HasSubstr("> AUTH PLAIN"));
  EXPECT_THAT(text, HasSubstr("> AUTH CRAM-MD5"));
  EXPECT_THAT(text, HasSubstr("alice: 2 new"));
  EXPECT_THAT(text, HasSubstr("popfetchd: carol: failed (auth)"));
  const std::string archive = database_bytes(database);
  EXPECT_NE(archive.find("Subject:"), std::string::npos);

  std::vector<std::string> forms;
  for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
           {"alice", alice_pw}, {"bob", bob_pw}, {"carol", carol_pw}, {"carol", carol_wrong}}) {
    for (std::string& form : secret_forms(user, password)) forms.push_back(std::move(form));
  }
  EXPECT_EQ(find_secret(text, forms), std::nullopt) << text;
  EXPECT_EQ(find_secret(archive, forms), std::nullopt) << "a password is in the database or its WAL";
}

#endif  // POPFETCHD_BINARY

}  // namespace
}  // namespace hostile
