// fetch::ArchiveWriter on a real loop and a real archive file: the batch's
// write lock is never held longer than max_batch_age, group commit still
// shares one commit, subscribers may come and go while they are told, and
// the timer handle is closed with the writer.

#include "fetch/archive_writer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/uv.hpp"
#include "store/archive.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

const std::string kMessage = "Subject: x\r\n\r\nbody\r\n";

class ArchiveWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-writer-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    path_ = (dir_->path() / "archive.db").string();
    auto archive = store::Archive::open(path_);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    archive_.emplace(std::move(*archive));
  }
  void TearDown() override {
    writer_.reset();
    EXPECT_EQ(uv_.close(), 0u) << "the writer left a libuv handle open: " << uv_.leaked_handles();
  }

  fetch::ArchiveWriter& make_writer(fetch::ArchiveWriter::Limits limits = {}) {
    writer_ = std::make_unique<fetch::ArchiveWriter>(&loop_, *archive_, limits);
    return *writer_;
  }

  // Can another connection (another popfetchd, `poll-once` for another
  // account) take the write lock right now, without waiting?
  bool other_writer_gets_the_lock() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 0);
    const bool got = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    if (got) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db);
    return got;
  }

  std::optional<test_support::TempDir> dir_;
  std::string path_;
  std::optional<store::Archive> archive_;
  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  std::unique_ptr<fetch::ArchiveWriter> writer_;
};

// Before: the batch stayed open (its write lock held) until a limit or a
// poll's DELE/finish, across network waits, and `poll-once` for another
// account failed with "database is locked".
TEST_F(ArchiveWriterTest, AnOpenBatchIsCommittedWithinMaxBatchAge) {
  auto& writer = make_writer({.max_batch_age = 20ms});
  std::vector<bool> outcomes;
  auto subscription = writer.subscribe([&](const common::Status& s) { outcomes.push_back(s.ok()); });
  ASSERT_TRUE(writer.add("alice", "u1", kMessage, 1).ok());
  EXPECT_TRUE(writer.has_uncommitted());
  EXPECT_FALSE(other_writer_gets_the_lock());  // the batch holds it now

  const std::uint64_t before = uv_now(&loop_);
  uv_run(&loop_, UV_RUN_DEFAULT);  // returns once the timer fired: nothing else is active
  EXPECT_GE(uv_now(&loop_) - before, 19u);
  EXPECT_FALSE(writer.has_uncommitted());
  EXPECT_EQ(writer.commits(), 1u);
  EXPECT_EQ(outcomes, std::vector<bool>{true});
  EXPECT_TRUE(other_writer_gets_the_lock());
  EXPECT_EQ(archive_->copies("alice", "u1")->size(), 1u);
}

// Group commit stays: what arrives within the window shares one commit, and
// the message and byte limits still commit early.
TEST_F(ArchiveWriterTest, MessagesWithinTheWindowShareOneCommit) {
  auto& writer = make_writer({.max_messages = 3, .max_batch_age = 20ms});
  ASSERT_TRUE(writer.add("alice", "u1", kMessage + "1", 1).ok());
  ASSERT_TRUE(writer.add("bob", "u1", kMessage + "2", 1).ok());
  EXPECT_TRUE(writer.commit_if_due().ok());
  EXPECT_EQ(writer.commits(), 0u);  // below the limits: the timer decides
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(writer.commits(), 1u);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer.add("alice", "m" + std::to_string(i), kMessage, 1).ok());
  EXPECT_TRUE(writer.commit_if_due().ok());
  EXPECT_EQ(writer.commits(), 2u);  // the message limit, before the timer
  EXPECT_FALSE(writer.has_uncommitted());
  uv_run(&loop_, UV_RUN_DEFAULT);  // the stopped timer keeps nothing alive
  EXPECT_EQ(writer.commits(), 2u);
}

TEST_F(ArchiveWriterTest, FlagsReachTheArchive) {
  auto& writer = make_writer();
  store::AddFlags flags{.short_retr = true, .listed_size = 3100};
  EXPECT_EQ(*writer.add("alice", "u1", kMessage, 1, flags), store::AddOutcome::Stored);
  EXPECT_EQ(*writer.add("alice", "u1", kMessage + "other", 1), store::AddOutcome::Stored);  // a reused UIDL
  ASSERT_TRUE(writer.commit().ok());
  auto copies = archive_->copies("alice", "u1");
  ASSERT_EQ(copies->size(), 2u);
  EXPECT_TRUE((*copies)[0].short_retr);
  EXPECT_FALSE((*copies)[1].short_retr);
}

// Destroyed with an open batch: rolled back, and its timer closed (TearDown
// checks the loop has no handle left).
TEST_F(ArchiveWriterTest, DestroyedWithAnOpenBatchRollsBackAndClosesItsTimer) {
  auto& writer = make_writer({.max_batch_age = 10s});
  ASSERT_TRUE(writer.add("alice", "u1", kMessage, 1).ok());
  writer_.reset();
  EXPECT_TRUE(archive_->copies("alice", "u1")->empty());
  EXPECT_TRUE(other_writer_gets_the_lock());
}

// A subscriber that ends its own subscription (and another's) while being
// told: before, the std::function ran from a std::list node it had just
// erased (use after free) and liveness was checked by comparing erased
// iterators.
TEST_F(ArchiveWriterTest, SubscribersMayUnsubscribeWhileTold) {
  auto& writer = make_writer();
  std::optional<fetch::ArchiveWriter::Subscription> self;
  std::optional<fetch::ArchiveWriter::Subscription> other;
  std::optional<fetch::ArchiveWriter::Subscription> late;
  std::vector<std::string> heard;
  const std::string name(64, 's');  // captured by value: lives in the std::function
  self = writer.subscribe([&, name](const common::Status&) {
    self.reset();
    other.reset();
    late = writer.subscribe([&](const common::Status&) { heard.push_back("late"); });
    heard.push_back(name);  // reads the capture after its subscription ended
  });
  other = writer.subscribe([&](const common::Status&) { heard.push_back("other"); });
  auto last = writer.subscribe([&](const common::Status&) { heard.push_back("last"); });

  ASSERT_TRUE(writer.add("alice", "u1", kMessage, 1).ok());
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_EQ(heard, (std::vector<std::string>{name, "last"}));  // not "other"; "late" from the next commit on

  heard.clear();
  ASSERT_TRUE(writer.add("alice", "u2", kMessage, 1).ok());
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_EQ(heard, (std::vector<std::string>{"last", "late"}));  // in subscription order
}

}  // namespace
