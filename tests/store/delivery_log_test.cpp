// The delivery bookkeeping: rows appear with the message that needs them,
// claims and outcomes are recorded, backfill and retry, totals.
#include "store/delivery_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "add_message.hpp"
#include "store/content_hash.hpp"

namespace {

using store::DeliveryRecord;

class DeliveryLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::Archive::open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    archive_.emplace(std::move(*opened));
    log_.emplace(*archive_);
  }

  std::int64_t store_message(const std::string& uidl, std::int64_t fetched_at = 100) {
    const std::string raw = "Subject: " + uidl + "\r\n\r\nbody of " + uidl + "\r\n";
    auto added = store_test::add_message(*archive_, "alice", uidl, raw, fetched_at);
    EXPECT_TRUE(added.ok());
    auto listed = archive_->list("alice", 1);
    EXPECT_TRUE(listed.ok() && !listed->empty());
    return listed->front().id;
  }

  std::vector<std::int64_t> due_ids(const std::string& target, std::int64_t now = 1000) {
    auto due = log_->due("alice", target, now, 100);
    EXPECT_TRUE(due.ok()) << due.error().message;
    std::vector<std::int64_t> ids;
    for (const auto& d : *due) ids.push_back(d.message_id);
    return ids;
  }

  std::optional<store::Archive> archive_;
  std::optional<store::DeliveryLog> log_;
};

TEST_F(DeliveryLogTest, ATargetStartsWithTheMessagesStoredAfterItAppears) {
  const auto before = store_message("u1");
  const std::vector<std::string> keys{"maildir:/m"};
  ASSERT_TRUE(log_->set_targets("alice", keys, 50).ok());
  const auto after = store_message("u2");
  EXPECT_EQ(due_ids("maildir:/m"), std::vector<std::int64_t>{after});
  EXPECT_NE(before, after);
  // Another account's messages are not queued for alice's target.
  ASSERT_TRUE(store_test::add_message(*archive_, "bob", "u3", "x\r\n", 1).ok());
  EXPECT_EQ(due_ids("maildir:/m"), std::vector<std::int64_t>{after});
}

TEST_F(DeliveryLogTest, AnInactiveTargetGetsNoNewRowsAndComesBack) {
  const std::vector<std::string> keys{"maildir:/m"};
  ASSERT_TRUE(log_->set_targets("alice", keys, 50).ok());
  ASSERT_TRUE(log_->set_targets("alice", {}, 60).ok());
  store_message("u1");
  EXPECT_TRUE(due_ids("maildir:/m").empty());
  ASSERT_TRUE(log_->set_targets("alice", keys, 70).ok());
  const auto id = store_message("u2");
  EXPECT_EQ(due_ids("maildir:/m"), std::vector<std::int64_t>{id});
}

TEST_F(DeliveryLogTest, ClaimedButUnrecordedRowsComeBackInDoubt) {
  const std::vector<std::string> keys{"mbox:/b"};
  ASSERT_TRUE(log_->set_targets("alice", keys, 50).ok());
  const auto id = store_message("u1");
  const std::vector<std::int64_t> ids{id};
  ASSERT_TRUE(log_->claim("mbox:/b", ids).ok());
  auto due = log_->due("alice", "mbox:/b", 1000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_TRUE(due->front().in_doubt);
}

TEST_F(DeliveryLogTest, OutcomesDecideWhatIsDueNext) {
  const std::vector<std::string> keys{"lmtp:h:24"};
  ASSERT_TRUE(log_->set_targets("alice", keys, 50).ok());
  const auto a = store_message("a");
  const auto b = store_message("b");
  const auto c = store_message("c");
  const auto d = store_message("d");
  const std::vector<std::int64_t> ids{a, b, c, d};
  ASSERT_TRUE(log_->claim("lmtp:h:24", ids).ok());
  const std::vector<DeliveryRecord> records{
      {a, DeliveryRecord::Kind::Delivered, 0, ""},
      {b, DeliveryRecord::Kind::Retry, 2000, "452 mailbox busy"},
      {c, DeliveryRecord::Kind::Failed, 0, "550 no such user"},
      {d, DeliveryRecord::Kind::NotStarted, 0, ""},
  };
  ASSERT_TRUE(log_->record("lmtp:h:24", records, 1000).ok());
  EXPECT_EQ(due_ids("lmtp:h:24", 1000), std::vector<std::int64_t>{d});
  EXPECT_EQ(due_ids("lmtp:h:24", 2000), (std::vector<std::int64_t>{b, d}));
  auto next = log_->next_due("alice", "lmtp:h:24");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 0);  // d is due at once

  auto totals = log_->totals();
  ASSERT_TRUE(totals.ok());
  ASSERT_EQ(totals->size(), 1u);
  const auto& t = totals->front();
  EXPECT_EQ(t.delivered, 1);
  EXPECT_EQ(t.pending, 2);
  EXPECT_EQ(t.failed, 1);
  EXPECT_EQ(t.attempts_failing, 1);  // b
  EXPECT_EQ(t.last_delivered_at, 1000);
  EXPECT_EQ(t.last_error, "550 no such user");  // the newest message with an error

  auto retried = log_->retry_failed("alice");
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 2);  // c failed, b waiting for its retry
  EXPECT_EQ(due_ids("lmtp:h:24", 1000), (std::vector<std::int64_t>{b, c, d}));
}

TEST_F(DeliveryLogTest, BackfillQueuesOlderMessagesOnceAndKeepsDeliveredOnes) {
  const auto old1 = store_message("o1", 10);
  const auto old2 = store_message("o2", 20);
  const std::vector<std::string> keys{"maildir:/m"};
  ASSERT_TRUE(log_->set_targets("alice", keys, 50).ok());
  const auto fresh = store_message("n", 60);
  const std::vector<std::int64_t> claimed{fresh};
  ASSERT_TRUE(log_->claim("maildir:/m", claimed).ok());
  const std::vector<DeliveryRecord> delivered{{fresh, DeliveryRecord::Kind::Delivered, 0, ""}};
  ASSERT_TRUE(log_->record("maildir:/m", delivered, 61).ok());

  auto since = log_->backfill("alice", "maildir:/m", 15);
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(*since, 1);  // o2 only: o1 is older, "n" is delivered
  EXPECT_EQ(due_ids("maildir:/m"), std::vector<std::int64_t>{old2});
  auto all = log_->backfill("alice", "maildir:/m", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 1);  // o1; o2 is already pending
  EXPECT_EQ(due_ids("maildir:/m"), (std::vector<std::int64_t>{old1, old2}));
}

TEST_F(DeliveryLogTest, ImportedMailIsNotQueuedButBackfillTakesIt) {
  const std::vector<std::string> keys{"maildir:/m"};
  ASSERT_TRUE(log_->set_targets("alice", keys, 50).ok());
  auto batch = archive_->begin_batch();
  ASSERT_TRUE(batch.ok());
  const auto sha256 = [](std::string_view) { return store::Sha256Digest{}; };
  ASSERT_TRUE(batch->add_imported("alice", "Subject: old\r\n\r\nfrom a Maildir\r\n", 60, sha256).ok());
  ASSERT_TRUE(batch->commit().ok());
  EXPECT_TRUE(due_ids("maildir:/m").empty());
  auto queued = log_->backfill("alice", "maildir:/m", std::nullopt);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(*queued, 1);
}

TEST_F(DeliveryLogTest, WritesRefuseAnOpenBatch) {
  auto batch = archive_->begin_batch();
  ASSERT_TRUE(batch.ok());
  const auto status = log_->set_targets("alice", {}, 1);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("batch is still open"), std::string::npos);
}

TEST_F(DeliveryLogTest, MessageReadsTheRawBytes) {
  const auto id = store_message("u1", 77);
  auto message = log_->message(id);
  ASSERT_TRUE(message.ok());
  ASSERT_TRUE(message->has_value());
  EXPECT_EQ((*message)->raw, "Subject: u1\r\n\r\nbody of u1\r\n");
  EXPECT_EQ((*message)->fetched_at, 77);
  EXPECT_EQ((*message)->uidl, "u1");
  auto none = log_->message(id + 100);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
