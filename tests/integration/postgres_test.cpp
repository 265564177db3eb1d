// Issue 17, "the archive in PostgreSQL": polls from the test Dovecot into a
// PostgreSQL archive (the tests' private server, support/postgres_server.hpp)
// through fetch::AccountPoll, as `poll-once` runs it. Delete mode moves every
// message byte for byte; and nothing is DELEted unless PostgreSQL's COMMIT
// returned OK: a server that is gone, or a COMMIT that fails, leaves the
// whole mailbox on the POP3 server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/popfetchd_cli.hpp"
#include "integration/server_suite.hpp"
#include "store/archive.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace {

using integration::Mailbox;
using ::testing::HasSubstr;

std::string dump(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "\n  " + line;
  return text;
}

std::size_t commands_sent(const integration::PollOutcome& outcome, const std::string& command) {
  return static_cast<std::size_t>(std::count_if(
      outcome.log.begin(), outcome.log.end(),
      [&](const std::string& line) { return line.find("] > " + command) != std::string::npos; }));
}

// uidl -> raw of every message of `account` in the PostgreSQL archive at `uri`.
std::map<std::string, std::string> archived(const std::string& uri, const std::string& account) {
  std::map<std::string, std::string> out;
  auto archive = store::Archive::open(uri);
  EXPECT_TRUE(archive) << archive.error().message;
  if (!archive) return out;
  auto status = archive->for_each_message(account, [&](const store::MessageSummary& m, std::string_view raw) {
    EXPECT_TRUE(out.emplace(m.uidl, std::string(raw)).second) << m.uidl << " stored twice";
    return common::Status{};
  });
  EXPECT_TRUE(status) << status.error().message;
  return out;
}

class PostgresArchive : public integration::DovecotSuite<PostgresArchive> {
 public:
  static test_support::DovecotOptions options() { return test_support::DovecotOptions::without_ssl(); }

 protected:
  config::Account account_for(const Mailbox& mailbox) {
    config::Account account = integration::make_account(mailbox.user, server().host(), server().pop3_port(),
                                                        config::Security::None, config::AuthMethod::Plain);
    account.keep = false;
    return account;
  }
};

TEST_F(PostgresArchive, DeleteModeMovesEverythingByteExact) {
  std::vector<std::string> messages = integration::varied_messages(5);
  const auto more = integration::plain_messages(900, 25);
  messages.insert(messages.end(), more.begin(), more.end());
  auto mailbox = integration::create_mailbox(server(), "pgmover", "pw-pg", messages);
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  auto uri = test_support::fresh_postgres_database();
  ASSERT_TRUE(uri) << uri.error().message;

  auto outcome = integration::run_poll(account_for(*mailbox), mailbox->password, *uri);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
  EXPECT_EQ(outcome->report.new_messages, messages.size());
  EXPECT_EQ(outcome->report.deleted, messages.size());
  EXPECT_EQ(*server().mailbox_size(mailbox->user), 0U);

  const auto rows = archived(*uri, mailbox->user);
  ASSERT_EQ(rows.size(), messages.size());
  for (const auto& [uidl, raw] : rows) {
    const auto index = integration::delivery_index(uidl);
    ASSERT_TRUE(index) << uidl;
    EXPECT_EQ(raw, mailbox->delivered.at(*index).expected_pop3) << "message " << *index + 1;
  }
  auto archive = store::Archive::open(*uri);
  ASSERT_TRUE(archive);
  for (const auto& [uidl, raw] : rows) {
    const auto copies = archive->copies(mailbox->user, uidl);
    ASSERT_TRUE(copies && copies->size() == 1u) << uidl;
    EXPECT_TRUE((*copies)[0].deleted_at.has_value()) << uidl;
  }

  // A second poll finds nothing new and stores nothing twice.
  auto second = integration::run_poll(account_for(*mailbox), mailbox->password, *uri);
  ASSERT_TRUE(second && second->report.ok());
  EXPECT_EQ(second->report.new_messages, 0U);
  EXPECT_EQ(archived(*uri, mailbox->user).size(), messages.size());
}

TEST_F(PostgresArchive, AStoppedServerFailsThePollAndNothingIsDeleted) {
  auto mailbox = integration::create_mailbox(server(), "pgstopped", "pw-pg", integration::plain_messages(950, 6));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  // A server of this test's own, so that stopping it leaves the shared one alone.
  auto own = test_support::PostgresServer::start();
  ASSERT_TRUE(own) << own.error().message;
  auto uri = own->create_database("stopped");
  ASSERT_TRUE(uri) << uri.error().message;
  ASSERT_TRUE(store::Archive::open(*uri)) << "the archive exists before the server goes";
  ASSERT_TRUE(own->stop());

  auto outcome = integration::run_poll(account_for(*mailbox), mailbox->password, *uri);
  const bool failed = !outcome || !outcome->report.ok();
  EXPECT_TRUE(failed) << "a poll into a stopped PostgreSQL succeeded";
  if (outcome) {
    EXPECT_EQ(commands_sent(*outcome, "DELE"), 0U) << dump(outcome->log);
  }
  EXPECT_EQ(*server().mailbox_size(mailbox->user), mailbox->delivered.size());
}

// COMMIT itself fails (a deferred constraint trigger raises at COMMIT): the
// messages were retrieved and inserted, but none may be DELEted.
TEST_F(PostgresArchive, AFailedCommitDeletesNothing) {
  auto mailbox = integration::create_mailbox(server(), "pgcommit", "pw-pg", integration::plain_messages(980, 8));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  auto uri = test_support::fresh_postgres_database();
  ASSERT_TRUE(uri) << uri.error().message;
  ASSERT_TRUE(store::Archive::open(*uri));
  const std::string name = uri->substr(uri->find("///") + 3, uri->find('?') - uri->find("///") - 3);
  auto made = test_support::shared_postgres()->psql(
      name,
      "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
      " $$BEGIN RAISE EXCEPTION 'refused at commit'; END$$;"
      "CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON messages DEFERRABLE INITIALLY DEFERRED"
      " FOR EACH ROW EXECUTE FUNCTION refuse();");
  ASSERT_TRUE(made) << made.error().message;

  auto outcome = integration::run_poll(account_for(*mailbox), mailbox->password, *uri);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok()) << "the poll succeeded although COMMIT failed" << dump(outcome->log);
  EXPECT_THAT(outcome->report.error->message, HasSubstr("refused at commit"));
  EXPECT_GE(commands_sent(*outcome, "RETR"), 1U) << dump(outcome->log);
  EXPECT_EQ(commands_sent(*outcome, "DELE"), 0U) << dump(outcome->log);
  EXPECT_EQ(outcome->report.deleted, 0U);
  EXPECT_EQ(*server().mailbox_size(mailbox->user), mailbox->delivered.size());
  EXPECT_TRUE(archived(*uri, mailbox->user).empty());
}

// The real binary, as a user runs it: `poll-once` then `list` on a config
// whose database is a postgresql:// URI. The URI is no path: nothing named
// after it may appear in the working directory (the SQLite branch creates
// the database's parent directory).
TEST_F(PostgresArchive, PollOnceAndListWithAPostgresqlDatabaseCreateNoDirectory) {
  auto mailbox = integration::create_mailbox(server(), "pgcli", "pw-pgcli", integration::plain_messages(990, 3));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  auto uri = test_support::fresh_postgres_database();
  ASSERT_TRUE(uri) << uri.error().message;
  auto dir = test_support::TempDir::create("popfetchd-pgcli-");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  const std::filesystem::path config = dir->path() / "pg.yaml";
  integration::ConfigAccount account;
  account.name = mailbox->user;
  account.server = server().host();
  account.port = server().pop3_port();
  account.password = mailbox->password;
  ASSERT_TRUE(integration::write_config(config, *uri, {account}).ok());
  // popfetchd runs in a directory of its own, which must stay empty.
  const std::filesystem::path cwd = dir->path() / "cwd";
  std::filesystem::create_directory(cwd);
  const std::vector<std::string> in_cwd = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.string()};

  auto poll = integration::run_popfetchd({"poll-once", "-c", config.string()}, dir->path(), {}, in_cwd);
  ASSERT_TRUE(poll) << poll.error().message;
  EXPECT_EQ(poll->exit_code(), 0) << poll->out << poll->err;
  EXPECT_TRUE(integration::sanitizer_clean(poll->err)) << poll->err;
  EXPECT_THAT(poll->out, HasSubstr(mailbox->user + ": 3 new"));
  EXPECT_EQ(archived(*uri, mailbox->user).size(), 3U);

  auto list =
      integration::run_popfetchd({"list", "-c", config.string(), "--account", mailbox->user}, dir->path(), {}, in_cwd);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->exit_code(), 0) << list->out << list->err;

  EXPECT_TRUE(std::filesystem::is_empty(cwd)) << "popfetchd created files in its working directory";
}

}  // namespace
