// deliver::Queue on a real loop and a real archive file, with a scripted
// Target that answers each message as the test says (the real targets have
// tests of their own): exactly once, backoff, permanent failures, in-doubt
// claims after a crash, flush failures, the delivery lock, idle and stop.
#include "deliver/queue.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/uv.hpp"
#include "store/archive.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using deliver::Verdict;

// Answers from a script (default: Delivered), always from the loop (as a
// real target does), and remembers what it was given.
class ScriptedTarget : public deliver::Target {
 public:
  struct Log {
    std::vector<std::string> uidls;  // in delivery order
    std::vector<bool> in_doubt;
    std::deque<Verdict> script;      // next answers; empty: Delivered
    bool flush_fails = false;
    int flushes = 0;
  };
  ScriptedTarget(uv_loop_t* loop, std::shared_ptr<Log> log) : timer_(net::make_timer(loop)), log_(std::move(log)) {
    timer_->data = this;
  }
  void deliver(deliver::Attempt attempt, Done done) override {
    log_->uidls.push_back(attempt.message->uidl);
    log_->in_doubt.push_back(attempt.in_doubt);
    Verdict verdict = Verdict::Delivered;
    if (!log_->script.empty()) {
      verdict = log_->script.front();
      log_->script.pop_front();
    }
    pending_ = [done = std::move(done), verdict] { done({verdict, verdict == Verdict::Delivered ? "" : "scripted"}); };
    uv_timer_start(timer_.get(), [](uv_timer_t* t) {
      auto* self = static_cast<ScriptedTarget*>(t->data);
      auto answer = std::move(self->pending_);
      answer();
    }, 0, 0);
  }
  void flush(FlushDone done) override {
    ++log_->flushes;
    if (log_->flush_fails) return done(common::make_error(common::ErrorKind::Io, "fsync failed"));
    done({});
  }

 private:
  net::UvHandlePtr<uv_timer_t> timer_;
  std::shared_ptr<Log> log_;
  std::function<void()> pending_;
};

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-queue-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    path_ = (dir_->path() / "archive.db").string();
    open();
  }
  void TearDown() override { close(); }

  void open() {
    auto archive = store::Archive::open(path_);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    archive_.emplace(std::move(*archive));
    loop_.emplace();
    writer_.emplace(loop_->get(), *archive_, fetch::ArchiveWriter::Limits{});
    queue_.emplace(loop_->get(), *writer_, path_, deliver::Queue::Options{.run_size = 3});
  }
  void close() {
    if (!queue_) return;
    bool stopped = false;
    queue_->stop([&] { stopped = true; });
    uv_run(loop_->get(), UV_RUN_DEFAULT);
    EXPECT_TRUE(stopped);
    queue_.reset();
    writer_.reset();
    EXPECT_EQ(loop_->close(), 0u) << loop_->leaked_handles();
    loop_.reset();
    archive_.reset();
  }

  void configure(const std::shared_ptr<ScriptedTarget::Log>& log, const std::string& key = "maildir:/m") {
    std::vector<deliver::Queue::LaneSpec> specs;
    specs.push_back({key, std::make_unique<ScriptedTarget>(loop_->get(), log), key});
    ASSERT_TRUE(queue_->configure("alice", std::move(specs)).ok());
  }

  void store(const std::string& uidl) {
    ASSERT_TRUE(writer_->add("alice", uidl, "Subject: " + uidl + "\r\n\r\nx\r\n", 100).ok());
    ASSERT_TRUE(writer_->commit().ok());
  }

  // Runs the loop until the queue has nothing due now.
  void run_until_idle() {
    bool idle = false;
    // uv_stop: UV_RUN_ONCE would go on to wait in its poll phase for the
    // next timer (a 30 s backoff) after the callback.
    queue_->when_idle([&] {
      idle = true;
      uv_stop(loop_->get());
    });
    while (!idle) uv_run(loop_->get(), UV_RUN_DEFAULT);
  }

  store::DeliveryTotals totals() {
    auto all = queue_->log().totals();
    EXPECT_TRUE(all.ok());
    return all.ok() && !all->empty() ? all->front() : store::DeliveryTotals{};
  }

  std::optional<test_support::TempDir> dir_;
  std::string path_;
  std::optional<store::Archive> archive_;
  std::optional<net::UvLoop> loop_;
  std::optional<fetch::ArchiveWriter> writer_;
  std::optional<deliver::Queue> queue_;
};

TEST_F(QueueTest, DeliversEveryNewMessageOnceInOrderAcrossRuns) {
  auto log = std::make_shared<ScriptedTarget::Log>();
  configure(log);
  for (const char* uidl : {"a", "b", "c", "d", "e"}) store(uidl);
  run_until_idle();
  EXPECT_EQ(log->uidls, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(log->flushes, 2);  // runs of 3 and 2
  EXPECT_EQ(totals().delivered, 5);
  EXPECT_EQ(totals().pending, 0);
  // Waking again delivers nothing twice.
  queue_->wake();
  run_until_idle();
  EXPECT_EQ(log->uidls.size(), 5u);
}

TEST_F(QueueTest, MessagesStoredBeforeTheTargetAppearedAreNotDelivered) {
  store("old");
  auto log = std::make_shared<ScriptedTarget::Log>();
  configure(log);
  store("new");
  run_until_idle();
  EXPECT_EQ(log->uidls, std::vector<std::string>{"new"});
}

TEST_F(QueueTest, ATemporaryFailureBacksOffAndKeepsTheMessagePending) {
  auto log = std::make_shared<ScriptedTarget::Log>();
  log->script = {Verdict::Delivered, Verdict::Temporary};
  configure(log);
  for (const char* uidl : {"a", "b", "c"}) store(uidl);
  run_until_idle();
  EXPECT_EQ(log->uidls, (std::vector<std::string>{"a", "b"}));  // c was not tried after b failed
  const auto t = totals();
  EXPECT_EQ(t.delivered, 1);
  EXPECT_EQ(t.pending, 2);
  EXPECT_EQ(t.attempts_failing, 1);
  EXPECT_EQ(t.last_error, "scripted");
  const auto lanes = queue_->status();
  ASSERT_EQ(lanes.size(), 1u);
  EXPECT_TRUE(lanes[0].failing);
  EXPECT_TRUE(lanes[0].retry_at.has_value());
  // A new message does not end the backoff...
  store("d");
  run_until_idle();
  EXPECT_EQ(log->uidls.size(), 2u);
  // ...retry() does.
  ASSERT_TRUE(queue_->retry("alice").ok());
  run_until_idle();
  EXPECT_EQ(log->uidls, (std::vector<std::string>{"a", "b", "b", "c", "d"}));
  EXPECT_EQ(totals().delivered, 4);
  EXPECT_FALSE(queue_->status()[0].failing);
}

TEST_F(QueueTest, APermanentFailureIsRecordedAndTheRunGoesOn) {
  auto log = std::make_shared<ScriptedTarget::Log>();
  log->script = {Verdict::Permanent};
  configure(log);
  for (const char* uidl : {"a", "b"}) store(uidl);
  run_until_idle();
  EXPECT_EQ(log->uidls, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(totals().failed, 1);
  EXPECT_EQ(totals().delivered, 1);
  // Retried only when asked.
  queue_->wake();
  run_until_idle();
  EXPECT_EQ(log->uidls.size(), 2u);
  auto retried = queue_->retry("alice");
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 1);
  run_until_idle();
  EXPECT_EQ(log->uidls, (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(totals().delivered, 2);
}

TEST_F(QueueTest, AClaimWithoutARecordIsInDoubtAfterARestart) {
  auto log = std::make_shared<ScriptedTarget::Log>();
  configure(log);
  store("a");
  run_until_idle();
  store("b");
  // What a crash between the claim and the record leaves behind.
  auto due = queue_->log().due("alice", "maildir:/m", 1LL << 40, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  const std::vector<std::int64_t> ids{due->front().message_id};
  queue_->stop([] {});  // nothing runs "b" before the restart
  ASSERT_TRUE(queue_->log().claim("maildir:/m", ids).ok());
  close();
  open();
  auto after = std::make_shared<ScriptedTarget::Log>();
  configure(after);
  run_until_idle();
  EXPECT_EQ(after->uidls, std::vector<std::string>{"b"});
  EXPECT_EQ(after->in_doubt, std::vector<bool>{true});
}

TEST_F(QueueTest, AFailedFlushLeavesTheMessagesInDoubt) {
  auto log = std::make_shared<ScriptedTarget::Log>();
  log->flush_fails = true;
  configure(log);
  store("a");
  run_until_idle();
  EXPECT_EQ(totals().delivered, 0);
  log->flush_fails = false;
  ASSERT_TRUE(queue_->retry("alice").ok());
  run_until_idle();
  EXPECT_EQ(log->uidls, (std::vector<std::string>{"a", "a"}));
  EXPECT_EQ(log->in_doubt, (std::vector<bool>{false, true}));
  EXPECT_EQ(totals().delivered, 1);
}

TEST_F(QueueTest, AnotherProcessHoldingTheDeliveryLockKeepsTheLaneWaiting) {
  auto held = store::AccountLock::try_acquire(path_, "alice", store::AccountLock::Purpose::Delivery);
  ASSERT_TRUE(held.ok() && held->has_value());
  auto log = std::make_shared<ScriptedTarget::Log>();
  configure(log);
  store("a");
  run_until_idle();
  EXPECT_TRUE(log->uidls.empty());
  EXPECT_EQ(totals().pending, 1);
  held->reset();
  ASSERT_TRUE(queue_->retry("alice").ok());  // what POST /deliver/alice does
  run_until_idle();
  EXPECT_EQ(log->uidls, std::vector<std::string>{"a"});
}

TEST_F(QueueTest, ARemovedTargetGetsNoMoreMessages) {
  auto first = std::make_shared<ScriptedTarget::Log>();
  configure(first);
  store("a");
  run_until_idle();
  auto second = std::make_shared<ScriptedTarget::Log>();
  configure(second, "mbox:/b");
  store("b");
  run_until_idle();
  EXPECT_EQ(first->uidls, std::vector<std::string>{"a"});
  EXPECT_EQ(second->uidls, std::vector<std::string>{"b"});
  EXPECT_EQ(queue_->status().size(), 1u);
}

}  // namespace
