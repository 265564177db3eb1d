// The `popfetchd` command line against a real Dovecot: `probe`, `poll-once`
// (summaries and exit statuses), and `list`, `search` and `export` on the
// archive poll-once wrote.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "integration/archive_probe.hpp"
#include "integration/cli_fixture.hpp"
#include "integration/mailbox.hpp"
#include "integration/server_suite.hpp"
#include "support/files.hpp"

namespace {

namespace fs = std::filesystem;
using integration::Cli;
using integration::describe;
using integration::lines_of;
using test_support::CapturedRun;
using integration::ConfigAccount;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

// A plain message whose subject has a word nothing else has, for `search`.
std::string tagged_message(const std::string& word, int n) {
  return "From: Sender " + std::to_string(n) + " <sender" + std::to_string(n) +
         "@example.org>\r\nTo: someone@example.net\r\nSubject: Report " + word + " number " +
         std::to_string(n) + "\r\nDate: Tue, 1 Sep 2026 10:0" + std::to_string(n % 10) +
         ":00 +0000\r\nMessage-ID: <m" + std::to_string(n) + "." + word +
         "@example.org>\r\n\r\nBody of message " + std::to_string(n) + " about " + word + ".\r\n";
}

class CliAgainstDovecot : public integration::DovecotSuite<CliAgainstDovecot, Cli> {
 protected:
  // Two users with mail: alice (3 messages, reached with tls and the
  // fixture's CA: certificate checked) and bob (2 messages, clear text).
  void make_users(const std::string& tag) {
    std::vector<std::string> alice_mail;
    for (int n = 1; n <= 3; ++n) alice_mail.push_back(tagged_message("alpha" + tag, n));
    auto alice = integration::create_mailbox(server(), "alice" + tag, "pw-alice", alice_mail);
    ASSERT_TRUE(alice.ok()) << alice.error().message;
    alice_ = *alice;
    auto bob =
        integration::create_mailbox(server(), "bob" + tag, "pw-bob",
                                    {tagged_message("bravo" + tag, 4), tagged_message("bravo" + tag, 5)});
    ASSERT_TRUE(bob.ok()) << bob.error().message;
    bob_ = *bob;
  }
  ConfigAccount alice_account() {
    ConfigAccount account;
    account.name = "alice";
    account.username = alice_.user;
    account.password = alice_.password;
    account.server = "localhost";
    account.security = "tls";
    account.port = server().pop3s_port();
    account.extra = {"ca_file: \"" + server().ca_file().string() + "\""};
    return account;
  }
  ConfigAccount bob_account() {
    ConfigAccount account;
    account.name = "bob";
    account.username = bob_.user;
    account.password = bob_.password;
    account.port = server().pop3_port();
    return account;
  }
  std::string database() const { return (dir_->path() / "archive.db").string(); }
  fs::path write(const std::string& name, const std::vector<ConfigAccount>& accounts) {
    const fs::path config = dir_->path() / name;
    EXPECT_TRUE(integration::write_config(config, database(), accounts).ok());
    return config;
  }

  integration::Mailbox alice_;
  integration::Mailbox bob_;
};

// Issue 16: probe reports the TLS session, the certificate and the mailbox,
// and leaves the mailbox alone, even with keep: false.
TEST_F(CliAgainstDovecot, ProbeReportsTlsAndTheMailboxAndTakesNothing) {
  make_users("p");
  ConfigAccount alice = alice_account();
  alice.keep = false;
  ConfigAccount bob = bob_account();
  bob.keep = false;
  const fs::path config = write("probe.yaml", {alice, bob});
  const CapturedRun probe = run({"probe", "-c", config.string()});
  EXPECT_EQ(probe.exit_code(), 0) << describe(probe);
  EXPECT_THAT(probe.out, ContainsRegex("account alice\n  server: +localhost:[0-9]+ "));
  EXPECT_THAT(probe.out, ContainsRegex("\n  tls: +TLSv1\\.[23] TLS"));
  EXPECT_THAT(probe.out, ContainsRegex("\n  fingerprint: +sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}\n"));
  EXPECT_THAT(probe.out, ContainsRegex("\n  expires: +[0-9]{4}-[0-9]{2}-[0-9]{2} "));
  EXPECT_THAT(probe.out, HasSubstr("  mailbox:       3 messages, "));
  EXPECT_THAT(probe.out, HasSubstr("account bob\n"));
  EXPECT_THAT(probe.out, HasSubstr("  tls:           none (clear text)\n"));
  EXPECT_THAT(probe.out, HasSubstr("  mailbox:       2 messages, "));
  EXPECT_THAT(probe.out, ContainsRegex("\n  pipelining: +(yes|no)\n"));
  EXPECT_THAT(probe.out, ContainsRegex("\n  auth: +(AUTH PLAIN|USER/PASS)"));
  EXPECT_THAT(probe.err, Not(HasSubstr("pw-")));
  auto alice_left = integration::server_uidls(server(), alice_);
  ASSERT_TRUE(alice_left.ok()) << alice_left.error().message;
  EXPECT_EQ(alice_left->size(), 3U);
  auto bob_left = integration::server_uidls(server(), bob_);
  ASSERT_TRUE(bob_left.ok()) << bob_left.error().message;
  EXPECT_EQ(bob_left->size(), 2U);
  EXPECT_FALSE(fs::exists(database()));  // nothing was stored either

  // A wrong password: exit 1, the account named on stderr.
  alice.password = "wrong";
  const fs::path wrong = write("wrong.yaml", {alice});
  const CapturedRun failed = run({"probe", "-c", wrong.string(), "alice"});
  EXPECT_EQ(failed.exit_code(), 1) << describe(failed);
  EXPECT_THAT(failed.err, StartsWith("popfetchd: alice: "));
  const CapturedRun unknown = run({"probe", "-c", wrong.string(), "nobody"});
  EXPECT_EQ(unknown.exit_code(), 2) << describe(unknown);
}

TEST_F(CliAgainstDovecot, PollOncePrintsASummaryPerAccountAndExitsZero) {
  make_users("1");
  const fs::path config = write("ok.yaml", {alice_account(), bob_account()});
  const CapturedRun poll = run({"poll-once", "-c", config.string()});
  EXPECT_EQ(poll.exit_code(), 0) << describe(poll);
  const auto lines = lines_of(poll.out);
  ASSERT_EQ(lines.size(), 2U) << describe(poll);
  EXPECT_THAT(lines[0], MatchesRegex("alice: 3 new \\([0-9.]+ (B|KB)\\), 0 deleted in [0-9.]+s"));
  EXPECT_THAT(lines[1], MatchesRegex("bob: 2 new \\([0-9.]+ (B|KB)\\), 0 deleted in [0-9.]+s"));
  EXPECT_THAT(poll.err, Not(HasSubstr("pw-")));  // no password in the log
  EXPECT_TRUE(integration::archive_holds(database(), "alice", alice_, integration::all_of(alice_)));
  EXPECT_TRUE(integration::archive_holds(database(), "bob", bob_, integration::all_of(bob_)));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(database(), 5));

  // Only the named account, and nothing new the second time.
  const CapturedRun again = run({"poll-once", "-c", config.string(), "bob"});
  EXPECT_EQ(again.exit_code(), 0) << describe(again);
  EXPECT_THAT(lines_of(again.out), ::testing::ElementsAre(StartsWith("bob: 0 new")));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(database(), 5));
}

TEST_F(CliAgainstDovecot, PollOnceExitsOneWhenAnAccountFailsAndTwoForAnUnknownAccount) {
  make_users("2");
  ConfigAccount wrong = bob_account();
  wrong.name = "wrongpw";
  wrong.password = "not-bobs-password";
  const fs::path config = write("mixed.yaml", {alice_account(), wrong});
  const CapturedRun poll = run({"poll-once", "-c", config.string()});
  EXPECT_EQ(poll.exit_code(), 1) << describe(poll);
  // The good account's summary on stdout, the failed one's as an error line on stderr.
  EXPECT_THAT(lines_of(poll.out), ::testing::ElementsAre(StartsWith("alice: 3 new")));
  EXPECT_THAT(poll.err, HasSubstr("popfetchd: wrongpw: failed (auth): authentication failed"));
  EXPECT_THAT(poll.out + poll.err, Not(HasSubstr("not-bobs-password")));
  // The good account was not held back by the bad one.
  EXPECT_TRUE(integration::archive_holds(database(), "alice", alice_, integration::all_of(alice_)));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(database(), 3));

  const CapturedRun unknown = run({"poll-once", "-c", config.string(), "nosuch"});
  EXPECT_EQ(unknown.exit_code(), 2) << describe(unknown);
  EXPECT_EQ(unknown.err, "popfetchd: poll-once: no account named 'nosuch' in " + config.string() + "\n");
  EXPECT_EQ(unknown.out, "");
}

TEST_F(CliAgainstDovecot, ListSearchAndExportShowWhatPollOnceStored) {
  make_users("3");
  const fs::path config = write("archive.yaml", {alice_account(), bob_account()});
  const CapturedRun poll = run({"poll-once", "-c", config.string()});
  ASSERT_EQ(poll.exit_code(), 0) << describe(poll);

  const CapturedRun list = run({"list", "-c", config.string()});
  EXPECT_EQ(list.exit_code(), 0) << describe(list);
  auto rows = lines_of(list.out);
  ASSERT_EQ(rows.size(), 6U) << list.out;  // a header and 5 messages
  EXPECT_THAT(rows[0], ContainsRegex("^ID +ACCOUNT +DATE \\(UTC\\) +FROM +SUBJECT +SIZE"));
  for (int n = 1; n <= 5; ++n) EXPECT_THAT(list.out, HasSubstr(" number " + std::to_string(n))) << list.out;

  const CapturedRun limited = run({"list", "-c", config.string(), "--account", "alice", "--limit", "2"});
  EXPECT_EQ(limited.exit_code(), 0) << describe(limited);
  rows = lines_of(limited.out);
  ASSERT_EQ(rows.size(), 3U) << limited.out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_THAT(rows[i], HasSubstr(" alice ")) << rows[i];
    EXPECT_THAT(rows[i], HasSubstr("alpha3")) << rows[i];
  }

  const CapturedRun search = run({"search", "-c", config.string(), "bravo3"});
  EXPECT_EQ(search.exit_code(), 0) << describe(search);
  rows = lines_of(search.out);
  ASSERT_EQ(rows.size(), 4U) << search.out;  // header + bob's two + the total
  EXPECT_EQ(rows.back(), "2 of 2 matches");
  EXPECT_THAT(search.out, HasSubstr("number 4"));
  EXPECT_THAT(search.out, HasSubstr("number 5"));
  EXPECT_THAT(search.out, Not(HasSubstr("alpha3")));
  const CapturedRun phrase = run({"search", "-c", config.string(), "sender2@example.org"});
  EXPECT_EQ(phrase.exit_code(), 0) << describe(phrase);
  EXPECT_EQ(lines_of(phrase.out).size(), 3U) << phrase.out;  // header, one message, "1 of 1 match"
  EXPECT_EQ(lines_of(phrase.out).back(), "1 of 1 match");

  // Maildir: one file per message in new/, the archived bytes with LF line ends.
  const fs::path maildir = dir_->path() / "export-maildir";
  const CapturedRun to_maildir = run({"export", "-c", config.string(), "--maildir", maildir.string()});
  EXPECT_EQ(to_maildir.exit_code(), 0) << describe(to_maildir);
  EXPECT_THAT(to_maildir.out, HasSubstr("exported 5 messages"));
  std::set<std::string> exported;
  for (const auto& entry : fs::directory_iterator(maildir / "new")) {
    exported.insert(test_support::read_file(entry.path()));
  }
  std::set<std::string> expected;
  for (const auto* mailbox : {&alice_, &bob_}) {
    for (const auto& message : mailbox->delivered) {
      expected.insert(std::regex_replace(message.expected_pop3, std::regex("\r\n"), "\n"));
    }
  }
  EXPECT_EQ(exported, expected);
  // Idempotent: a second run writes nothing and says so.
  const CapturedRun again = run({"export", "-c", config.string(), "--maildir", maildir.string()});
  EXPECT_EQ(again.exit_code(), 0) << describe(again);
  EXPECT_THAT(again.out, HasSubstr("exported 0 messages"));
  EXPECT_THAT(again.out, HasSubstr("; 5 already there"));
  EXPECT_EQ(std::distance(fs::directory_iterator(maildir / "new"), fs::directory_iterator{}), 5);

  // mbox of one account: one "From " line per message.
  const fs::path mbox = dir_->path() / "bob.mbox";
  const CapturedRun to_mbox =
      run({"export", "-c", config.string(), "--mbox", mbox.string(), "--account", "bob"});
  EXPECT_EQ(to_mbox.exit_code(), 0) << describe(to_mbox);
  const std::string text = test_support::read_file(mbox);
  std::size_t separators = 0;
  for (const auto& line : lines_of(text)) separators += line.rfind("From ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(separators, 2U) << text;
  EXPECT_THAT(text, HasSubstr("Subject: Report bravo3 number 4\n"));
  EXPECT_THAT(text, Not(HasSubstr("alpha3")));
}

}  // namespace
