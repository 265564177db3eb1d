// Issue 4 "Tests": the archive's fetch semantics against a real Dovecot —
// keep mode fetches each message exactly once, delete mode empties the
// mailbox, delete_after deletes only old messages, max_message_size skips and
// keeps, and a corrupt or read-only database stops a poll before anything is
// deleted. Polls run in-process (fetch::AccountPoll on a uv loop with a real
// archive file), except the unusable-database cases, which run `popfetchd
// poll-once` because opening the archive is part of what they check.
//
// After every scenario: `select count(*), count(distinct account||uidl) from
// messages` agrees with the server.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/popfetchd_cli.hpp"
#include "integration/server_suite.hpp"
#include "support/files.hpp"
#include "support/sample_message.hpp"

namespace {

using integration::dump;

using integration::Mailbox;
using ::testing::HasSubstr;

constexpr std::int64_t kDay = 24 * 3600;

// How many commands popfetchd's debug log says it sent that start with `command`.
std::size_t commands_sent(const integration::PollOutcome& outcome, const std::string& command) {
  return static_cast<std::size_t>(std::count_if(
      outcome.log.begin(), outcome.log.end(),
      [&](const std::string& line) { return line.find("] > " + command) != std::string::npos; }));
}

class ArchiveSemantics : public integration::DovecotSuite<ArchiveSemantics> {
 public:
  static test_support::DovecotOptions options() { return test_support::DovecotOptions::without_ssl(); }

 protected:
  config::Account account_for(const Mailbox& mailbox) {
    return integration::make_account(mailbox.user, server().host(), server().pop3_port(),
                                     config::Security::None, config::AuthMethod::Plain);
  }

  // Runs one poll that must succeed.
  integration::PollOutcome poll(const config::Account& account, const Mailbox& mailbox,
                                const std::string& db) {
    auto outcome = integration::run_poll(account, mailbox.password, db);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    if (!outcome) return {};
    EXPECT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
    return std::move(*outcome);
  }

  // The archive agrees with the server: every message the server still has
  // (and that is not `skipped`) is archived and not marked deleted; the
  // archived ones the server no longer has are marked deleted; nothing twice.
  void expect_agreement(const Mailbox& mailbox, const std::string& db,
                        const std::set<std::size_t>& skipped = {}) {
    auto uidls = integration::server_uidls(server(), mailbox);
    ASSERT_TRUE(uidls.ok()) << uidls.error().message;
    auto rows = integration::archived_messages(db, mailbox.user);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_TRUE(integration::rows_are_distinct_and_number(db, static_cast<std::int64_t>(rows->size())));
    const std::set<std::string> on_server(uidls->begin(), uidls->end());
    for (const auto& uidl : on_server) {
      const auto index = integration::delivery_index(uidl);
      ASSERT_TRUE(index.has_value()) << uidl;
      if (skipped.count(*index) != 0) {
        EXPECT_EQ(rows->count(uidl), 0U) << "skipped message " << *index + 1 << " was archived";
        continue;
      }
      auto row = rows->find(uidl);
      ASSERT_NE(row, rows->end()) << "message " << *index + 1 << " is on the server but not archived";
      EXPECT_FALSE(row->second.deleted_at.has_value()) << "message " << *index + 1 << " is on the server";
    }
    for (const auto& [uidl, row] : *rows) {
      if (on_server.count(uidl) == 0) {
        EXPECT_TRUE(row.deleted_at.has_value()) << uidl << " is gone from the server";
      }
    }
  }

  void expect_delete_mode_moves_everything(const std::string& user, config::Pipelining pipelining);
};

TEST_F(ArchiveSemantics, KeepModeFetchesEachMessageOnceAcrossThreePolls) {
  auto mailbox =
      integration::create_mailbox(server(), "keeper", "pw-keep", integration::plain_messages(100, 5));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const std::string db = suite_.database("keep");
  const config::Account account = account_for(*mailbox);

  const std::vector<std::size_t> arriving = {0, 3, 2};  // new mail before polls 2 and 3
  std::size_t total = mailbox->delivered.size();
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("poll " + std::to_string(round + 1));
    std::size_t expected_new = round == 0 ? total : arriving[static_cast<std::size_t>(round)];
    if (round > 0) {
      ASSERT_TRUE(integration::deliver_more(server(), *mailbox,
                                            integration::plain_messages(200 + 10 * round, expected_new, 3000))
                      .ok());
      total += expected_new;
    }
    auto outcome = poll(account, *mailbox, db);
    EXPECT_EQ(outcome.report.listed, total);
    EXPECT_EQ(outcome.report.new_messages, expected_new);
    EXPECT_EQ(outcome.report.deleted, 0U);
    // Only the new ones were retrieved (UIDL says which), none deleted.
    EXPECT_EQ(commands_sent(outcome, "RETR"), expected_new) << dump(outcome.log);
    EXPECT_EQ(commands_sent(outcome, "DELE"), 0U);
    EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
    EXPECT_EQ(*server().mailbox_size(mailbox->user), total);
    expect_agreement(*mailbox, db);
  }
  EXPECT_TRUE(integration::rows_are_distinct_and_number(db, 10));
}

TEST_F(ArchiveSemantics, DeleteModeEmptiesTheMailboxAndArchivesEverythingByteExact) {
  // With pipelining (Dovecot offers it) and without: two code paths.
  for (config::Pipelining pipelining : {config::Pipelining::Auto, config::Pipelining::Off}) {
    const std::string user = "mover-" + std::string(config::to_string(pipelining));
    SCOPED_TRACE(user);
    expect_delete_mode_moves_everything(user, pipelining);
  }
}

void ArchiveSemantics::expect_delete_mode_moves_everything(const std::string& user,
                                                           config::Pipelining pipelining) {
  std::vector<std::string> messages = integration::varied_messages(3);
  const auto more = integration::plain_messages(300, 40);
  messages.insert(messages.end(), more.begin(), more.end());
  auto mailbox = integration::create_mailbox(server(), user, "pw-move", messages);
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const std::string db = suite_.database(user);
  config::Account account = account_for(*mailbox);
  account.keep = false;
  account.pipelining = pipelining;

  const std::int64_t before = static_cast<std::int64_t>(std::time(nullptr));
  auto outcome = poll(account, *mailbox, db);
  EXPECT_TRUE(outcome.logged(pipelining == config::Pipelining::Off ? "; not pipelining" : "; pipelining"))
      << dump(outcome.log);
  EXPECT_EQ(outcome.report.new_messages, messages.size());
  EXPECT_EQ(outcome.report.deleted, messages.size());
  EXPECT_EQ(*server().mailbox_size(mailbox->user), 0U);
  EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
  auto rows = integration::archived_messages(db, mailbox->user);
  ASSERT_TRUE(rows.ok());
  for (const auto& [uidl, row] : *rows) {
    ASSERT_TRUE(row.deleted_at.has_value()) << uidl;
    EXPECT_GE(*row.deleted_at, before);
    EXPECT_GE(*row.deleted_at, row.fetched_at);
  }
  expect_agreement(*mailbox, db);
  EXPECT_TRUE(integration::rows_are_distinct_and_number(db, static_cast<std::int64_t>(messages.size())));

  // Mail that arrives later is moved too; nothing is stored twice.
  ASSERT_TRUE(integration::deliver_more(server(), *mailbox, integration::plain_messages(400, 3)).ok());
  auto second = poll(account, *mailbox, db);
  EXPECT_EQ(second.report.listed, 3U);
  EXPECT_EQ(second.report.new_messages, 3U);
  EXPECT_EQ(second.report.deleted, 3U);
  EXPECT_EQ(*server().mailbox_size(mailbox->user), 0U);
  EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
  expect_agreement(*mailbox, db);
}

TEST_F(ArchiveSemantics, DeleteAfterDeletesOnlyMessagesStoredLongerAgo) {
  auto mailbox = integration::create_mailbox(server(), "ager", "pw-age", integration::plain_messages(500, 6));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const std::string db = suite_.database("age");
  config::Account account = account_for(*mailbox);
  account.delete_after = std::chrono::seconds(30 * kDay);

  auto first = poll(account, *mailbox, db);
  EXPECT_EQ(first.report.new_messages, 6U);
  EXPECT_EQ(first.report.deleted, 0U) << "freshly stored messages were deleted";
  EXPECT_EQ(commands_sent(first, "DELE"), 0U);

  // Age some rows: messages 1, 3 and 5 were stored 31 days ago, message 2
  // 29 days ago (younger than delete_after), 4 and 6 just now.
  auto uidls = integration::server_uidls(server(), *mailbox);
  ASSERT_TRUE(uidls.ok() && uidls->size() == 6U);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  ASSERT_TRUE(
      integration::set_fetched_at(db, mailbox->user, {(*uidls)[0], (*uidls)[2], (*uidls)[4]}, now - 31 * kDay)
          .ok());
  ASSERT_TRUE(integration::set_fetched_at(db, mailbox->user, {(*uidls)[1]}, now - 29 * kDay).ok());

  // New mail arrives too: the next poll fetches it and deletes the old ones
  // in the same session.
  ASSERT_TRUE(integration::deliver_more(server(), *mailbox, integration::plain_messages(550, 2)).ok());
  auto second = poll(account, *mailbox, db);
  EXPECT_EQ(second.report.new_messages, 2U);
  EXPECT_EQ(second.report.deleted, 3U);
  EXPECT_EQ(commands_sent(second, "DELE"), 3U) << dump(second.log);
  EXPECT_EQ(commands_sent(second, "RETR"), 2U);
  auto remaining = integration::server_uidls(server(), *mailbox);
  ASSERT_TRUE(remaining.ok());
  EXPECT_EQ(integration::indexes_of(*remaining), (std::set<std::size_t>{1, 3, 5, 6, 7}));

  auto rows = integration::archived_messages(db, mailbox->user);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 8U) << "deleting on the server must not touch the archive";
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& row = rows->at((*uidls)[i]);
    EXPECT_EQ(row.deleted_at.has_value(), i % 2 == 0) << "message " << i + 1;
  }
  EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
  expect_agreement(*mailbox, db);

  // Nothing is deleted twice: a third poll finds nothing old left to delete.
  auto third = poll(account, *mailbox, db);
  EXPECT_EQ(third.report.deleted, 0U);
  EXPECT_EQ(commands_sent(third, "DELE"), 0U);
  expect_agreement(*mailbox, db);
}

TEST_F(ArchiveSemantics, OversizeMessagesAreSkippedReportedAndKeptOnTheServer) {
  // Sizes: 2 KB, 50 KB, 3 KB, 200 KB, 9 KB against a 10 KB limit.
  const std::vector<std::size_t> sizes = {2'000, 50'000, 3'000, 200'000, 9'000};
  const std::set<std::size_t> oversize = {1, 3};
  for (bool keep : {true, false}) {
    const std::string user = keep ? "big-keep" : "big-move";
    SCOPED_TRACE(user);
    std::vector<std::string> messages;
    for (std::size_t i = 0; i < sizes.size(); ++i)
      messages.push_back(test_support::make_message(600 + i, sizes[i]));
    auto mailbox = integration::create_mailbox(server(), user, "pw-big", messages);
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      ASSERT_EQ(mailbox->delivered[i].list_size > 10'000, oversize.count(i) == 1) << "message " << i + 1;
    }
    const std::string db = suite_.database(user);
    config::Account account = account_for(*mailbox);
    account.keep = keep;
    account.max_message_size = 10'000;

    auto outcome = poll(account, *mailbox, db);
    EXPECT_EQ(outcome.report.skipped_oversize, 2U);
    EXPECT_EQ(outcome.report.new_messages, 3U);
    EXPECT_THAT(outcome.report.summary(), HasSubstr("2 skipped (too large)"));
    EXPECT_TRUE(outcome.logged("larger than max_message_size")) << dump(outcome.log);
    EXPECT_EQ(commands_sent(outcome, "RETR"), 3U);
    EXPECT_TRUE(integration::archive_holds(db, user, *mailbox, {0, 2, 4}));
    // Kept on the server in both modes; in delete mode only they are left.
    auto uidls = integration::server_uidls(server(), *mailbox);
    ASSERT_TRUE(uidls.ok());
    EXPECT_EQ(integration::indexes_of(*uidls), keep ? integration::all_of(*mailbox) : oversize);
    expect_agreement(*mailbox, db, oversize);

    // A later poll skips them again and still never deletes them.
    auto again = poll(account, *mailbox, db);
    EXPECT_EQ(again.report.skipped_oversize, 2U);
    EXPECT_EQ(again.report.new_messages, 0U);
    EXPECT_EQ(commands_sent(again, "DELE"), 0U);
    EXPECT_EQ(*server().mailbox_size(user), keep ? 5U : 2U);
    expect_agreement(*mailbox, db, oversize);
  }
}

// A working archive, then a disk error in one b-tree of it: the file still
// opens, and a delete-mode poll must fail with a Storage error without any
// message being deleted on the server (no QUIT after DELE).
struct Damage {
  const char* name;
  const char* btree;     // whose root page is overwritten
  bool new_mail;         // mail arrives after the archive was filled
  const char* expected;  // what the poll did before it failed
};

class DamagedArchive : public ArchiveSemantics, public ::testing::WithParamInterface<Damage> {};
void PrintTo(const Damage& damage, std::ostream* out) { *out << damage.name; }

TEST_P(DamagedArchive, PollFailsWithAStorageErrorAndNothingIsDeleted) {
  const Damage& damage = GetParam();
  const std::string user = std::string("damaged-") + damage.name;
  auto mailbox =
      integration::create_mailbox(server(), user, "pw-damaged", integration::plain_messages(700, 30));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const std::string db = suite_.database(user);
  config::Account account = account_for(*mailbox);
  auto first = poll(account, *mailbox, db);  // keep: true, stores all 30
  ASSERT_EQ(first.report.new_messages, 30U);
  if (damage.new_mail) {
    ASSERT_TRUE(integration::deliver_more(server(), *mailbox, integration::plain_messages(800, 4)).ok());
  }
  auto corrupted = integration::corrupt_root_page(db, damage.btree);
  ASSERT_TRUE(corrupted.ok()) << corrupted.error().message;

  account.keep = false;  // the poll would delete everything it believes stored
  auto outcome = integration::run_poll(account, mailbox->password, db);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok()) << "a poll on a damaged archive succeeded" << dump(outcome->log);
  EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Storage) << outcome->report.error->message;
  EXPECT_THAT(outcome->report.error->message, HasSubstr("malformed")) << outcome->report.error->message;
  const std::string expected = damage.expected;
  if (expected == "nothing") {
    EXPECT_EQ(commands_sent(*outcome, "RETR"), 0U) << dump(outcome->log);
    EXPECT_EQ(commands_sent(*outcome, "DELE"), 0U) << dump(outcome->log);
  } else if (expected == "retrieved") {
    EXPECT_GE(commands_sent(*outcome, "RETR"), 1U) << dump(outcome->log);
  }
  EXPECT_EQ(commands_sent(*outcome, "QUIT"), 0U) << "QUIT would commit DELEs" << dump(outcome->log);
  EXPECT_EQ(outcome->report.deleted, 0U);
  EXPECT_EQ(*server().mailbox_size(mailbox->user), mailbox->delivered.size());
}

INSTANTIATE_TEST_SUITE_P(ArchiveSemantics, DamagedArchive,
                         ::testing::Values(
                             // The (account, uidl) index: the first lookup fails, before any RETR or DELE.
                             Damage{"uidl_index", "sqlite_autoindex_messages_1", true, "nothing"},
                             // The table, with its index intact: the index alone says all 30 are
                             // stored, but their rows cannot be read - the server's copies may be
                             // the last ones, so they must not be deleted.
                             Damage{"table", "messages", false, "nothing"},
                             // An index only inserts touch: lookups work, the new messages are
                             // retrieved, storing the first one fails.
                             Damage{"fetched_at_index", "messages_account_fetched_at", true, "retrieved"}),
                         [](const ::testing::TestParamInfo<Damage>& info) {
                           return std::string(info.param.name);
                         });

// The database cannot be used at all: `popfetchd poll-once` says so and never
// talks to the server (so it cannot delete anything there).
class UnusableDatabase : public ArchiveSemantics {
 protected:
  // Runs poll-once in delete mode for a fresh user whose archive is at `db`.
  void expect_refused(const std::string& user, const std::string& db, const std::vector<std::string>& prefix,
                      const std::string& reason) {
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-" + user, integration::plain_messages(900, 3));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    integration::ConfigAccount account;
    account.name = user;
    account.port = server().pop3_port();
    account.password = mailbox->password;
    account.keep = false;
    const auto config = suite_.work_dir() / (user + ".yaml");
    ASSERT_TRUE(integration::write_config(config, db, {account}).ok());
    ::chmod(config.c_str(), 0644);  // readable after a drop to another uid

    auto run =
        integration::run_popfetchd({"poll-once", "-c", config.string()}, suite_.work_dir(), {}, prefix);
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_EQ(run->exit_code(), 1) << run->out << run->err;
    EXPECT_TRUE(integration::sanitizer_clean(run->err)) << run->err;
    EXPECT_THAT(run->err, HasSubstr("popfetchd: ")) << run->err;
    EXPECT_THAT(run->err, HasSubstr(reason)) << run->err;
    EXPECT_EQ(*server().mailbox_size(user), 3U);
    EXPECT_THAT(server().log_text(), ::testing::Not(HasSubstr("user=<" + user + ">")))
        << "popfetchd logged in although it cannot store anything";
  }
};

TEST_F(UnusableDatabase, CorruptFileIsAClearErrorAndNothingIsDeleted) {
  const std::string db = suite_.database("garbage");
  std::string garbage;
  for (int i = 0; i < 16384; ++i) garbage += static_cast<char>((i * 7919 + 1) & 0xff);
  ASSERT_TRUE(test_support::write_file(db, garbage).ok());
  expect_refused("garbage", db, {}, "file is not a database");
}

TEST_F(UnusableDatabase, ReadOnlyFileIsAClearErrorAndNothingIsDeleted) {
  // Build a valid archive, then make it and its directory read-only. Root
  // ignores permission bits, so a root test runs popfetchd as nobody.
  const auto dir = suite_.work_dir() / "ro";
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "archive.db").string();
  {
    auto mailbox =
        integration::create_mailbox(server(), "ro-setup", "pw", integration::plain_messages(950, 1));
    ASSERT_TRUE(mailbox.ok());
    auto outcome = poll(account_for(*mailbox), *mailbox, db);
    ASSERT_EQ(outcome.report.new_messages, 1U);
  }
  ASSERT_EQ(::chmod(db.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0555), 0);
  std::vector<std::string> prefix;
  if (::geteuid() == 0) {
    const std::string setpriv = POPFETCHD_TEST_SETPRIV;
    if (setpriv.empty()) GTEST_SKIP() << "setpriv (util-linux) is needed to drop root for this test";
    prefix = {setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  }
  expect_refused("readonly", db, prefix, "read-only");
  ::chmod(dir.c_str(), 0755);  // let the suite remove it
}

}  // namespace
