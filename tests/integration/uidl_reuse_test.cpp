// The deletion rule against a real Dovecot: UIDLs that name other messages
// than the ones archived under them. With `pop3_uidl_format = %u` Dovecot's
// UIDLs are bare IMAP UIDs, so two users' mailboxes (or one mailbox that was
// recreated) use the same UIDLs "1", "2", ... for different messages. An
// account pointed from one user to the other (or at a recreated mailbox) then
// lists UIDLs the archive knows: the old rule deleted those messages without
// fetching them. keep: false must fetch them, archive them beside the old ones
// byte-exact, and only then delete them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"

namespace {

using ::testing::ElementsAre;

// (uidl, raw) of every row of `account`, in the order they were stored.
std::vector<std::pair<std::string, std::string>> rows_of(const std::string& database, const std::string& account) {
  std::vector<std::pair<std::string, std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << database;
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT uidl, raw FROM messages WHERE account = ?1 ORDER BY id", -1, &stmt, nullptr);
  sqlite3_bind_text(stmt, 1, account.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                      std::string(static_cast<const char*>(sqlite3_column_blob(stmt, 1)),
                                  static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1))));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

class UidlReuse : public integration::DovecotSuite<UidlReuse> {
 public:
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions options = test_support::DovecotOptions::without_ssl();
    options.bare_uid_uidls = true;
    return options;
  }
};

TEST_F(UidlReuse, AnAccountPointedAtAnotherUserFetchesItsMessagesBeforeDeletingThem) {
  auto first = integration::create_mailbox(server(), "first-user", "pw-1", integration::plain_messages(100, 2));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = integration::create_mailbox(server(), "second-user", "pw-2", integration::plain_messages(200, 2));
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto uidls = integration::server_uidls(server(), *second);
  ASSERT_TRUE(uidls.ok()) << uidls.error().message;
  ASSERT_THAT(*uidls, ElementsAre("1", "2")) << "Dovecot must use bare UIDs for this test";

  const std::string db = suite_.database("moved");
  config::Account account = integration::make_account("archive", server().host(), server().pop3_port(),
                                                      config::Security::None, config::AuthMethod::Plain);
  account.keep = false;
  account.username = first->user;
  auto moved_first = integration::run_poll(account, first->password, db);
  ASSERT_TRUE(moved_first.ok()) << moved_first.error().message;
  ASSERT_TRUE(moved_first->report.ok()) << moved_first->report.error->message;
  ASSERT_EQ(moved_first->report.deleted, 2u);

  // The operator points the same account at the other user.
  account.username = second->user;
  auto moved_second = integration::run_poll(account, second->password, db);
  ASSERT_TRUE(moved_second.ok()) << moved_second.error().message;
  ASSERT_TRUE(moved_second->report.ok()) << moved_second->report.error->message;
  EXPECT_EQ(moved_second->report.new_messages, 2u) << "the second user's messages were not fetched";
  EXPECT_EQ(moved_second->report.deleted, 2u);
  EXPECT_EQ(*server().mailbox_size(second->user), 0u);

  const auto rows = rows_of(db, "archive");
  ASSERT_EQ(rows.size(), 4u) << "every message of both users is archived";
  const std::vector<test_support::DeliveredMessage>& a = first->delivered;
  const std::vector<test_support::DeliveredMessage>& b = second->delivered;
  EXPECT_EQ(rows[0], (std::pair<std::string, std::string>{"1", a[0].expected_pop3}));
  EXPECT_EQ(rows[1], (std::pair<std::string, std::string>{"2", a[1].expected_pop3}));
  EXPECT_EQ(rows[2], (std::pair<std::string, std::string>{"1", b[0].expected_pop3}));
  EXPECT_EQ(rows[3], (std::pair<std::string, std::string>{"2", b[1].expected_pop3}));
}

TEST_F(UidlReuse, DeleteAfterKeepsAReusedUidlAndArchivesItsMessage) {
  auto first = integration::create_mailbox(server(), "old-user", "pw-3", integration::plain_messages(300, 1));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = integration::create_mailbox(server(), "new-user", "pw-4", integration::plain_messages(400, 1, 1500));
  ASSERT_TRUE(second.ok()) << second.error().message;

  const std::string db = suite_.database("aged");
  config::Account account = integration::make_account("aged", server().host(), server().pop3_port(),
                                                      config::Security::None, config::AuthMethod::Plain);
  account.username = first->user;
  auto archived = integration::run_poll(account, first->password, db);
  ASSERT_TRUE(archived.ok() && archived->report.ok());

  account.username = second->user;
  account.delete_after = std::chrono::seconds(0);  // everything archived is old enough
  auto outcome = integration::run_poll(account, second->password, db);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message;
  EXPECT_EQ(outcome->report.deleted, 0u);
  EXPECT_EQ(outcome->report.new_messages, 1u);
  EXPECT_EQ(*server().mailbox_size(second->user), 1u) << "a message the archive never held was deleted";
  const auto rows = rows_of(db, "aged");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].second, second->delivered[0].expected_pop3);
}

}  // namespace
