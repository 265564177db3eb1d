#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "deliver/line_ends.hpp"
#include "deliver/maildir_name.hpp"
#include "deliver/maildir_target.hpp"
#include "deliver/mbox_target.hpp"
#include "deliver/mboxrd.hpp"
#include "deliver/pool_work.hpp"
#include "deliver_fixture.hpp"
#include "net/uv.hpp"

namespace {

using namespace std::chrono_literals;
using deliver_test::DeliverTest;
using deliver_test::make_message;
using deliver_test::names_in;
using test_support::read_file;

const std::string kRaw = "From: Alice <alice@example.com>\r\nSubject: hi\r\n\r\nFrom here\r\n";

class TargetsTest : public DeliverTest {
 protected:
  // One attempt through the loop: the outcome, and whether `done` ran inside deliver().
  deliver::Outcome deliver(deliver::Target& target, deliver::Message message, bool in_doubt = false) {
    std::optional<deliver::Outcome> outcome;
    bool returned = false;
    target.deliver(deliver::Attempt{std::make_shared<const deliver::Message>(std::move(message)), in_doubt},
                   [&](deliver::Outcome o) {
                     EXPECT_TRUE(returned) << "done called from inside deliver()";
                     EXPECT_FALSE(outcome.has_value()) << "done called twice";
                     outcome = std::move(o);
                   });
    returned = true;
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    EXPECT_TRUE(outcome.has_value());
    return outcome.value_or(deliver::Outcome{});
  }

  common::Status flush(deliver::Target& target) {
    std::optional<common::Status> status;
    target.flush([&](common::Status s) { status = std::move(s); });
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    EXPECT_TRUE(status.has_value());
    return status.value_or(common::make_error(common::ErrorKind::Aborted, "no flush callback"));
  }

  void TearDown() override {
    EXPECT_EQ(loop_.close(), 0u) << loop_.leaked_handles();
    DeliverTest::TearDown();
  }

  net::UvLoop loop_;
};

TEST_F(TargetsTest, PoolWorkRunsOffTheLoopThreadAndAnExceptionBecomesAnError) {
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id work_thread;
  std::optional<common::Status> first;
  std::optional<common::Status> second;
  deliver::run_on_pool(
      loop_.get(), [&] { work_thread = std::this_thread::get_id(); },
      [&](common::Status s) {
        EXPECT_EQ(std::this_thread::get_id(), loop_thread);
        first = std::move(s);
      });
  deliver::run_on_pool(
      loop_.get(), [] { throw std::runtime_error("boom"); },
      [&](common::Status s) { second = std::move(s); });
  EXPECT_FALSE(first.has_value());  // never from inside run_on_pool()
  uv_run(loop_.get(), UV_RUN_DEFAULT);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->ok());
  EXPECT_NE(work_thread, loop_thread);
  ASSERT_TRUE(second.has_value());
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().kind, common::ErrorKind::Io);
  EXPECT_NE(second->error().message.find("boom"), std::string::npos);
}

TEST_F(TargetsTest, MaildirTargetStagesOnThePoolAndFlushPublishesIntoNew) {
  deliver::MaildirTarget target(loop_.get(), path("Maildir").string());
  const auto message = make_message(3, kRaw);
  const auto outcome = deliver(target, message);
  EXPECT_EQ(outcome.verdict, deliver::Verdict::Delivered) << outcome.detail;
  EXPECT_EQ(outcome.detail, "");
  // Staged in tmp/ (not synced); a reader sees nothing before the flush.
  EXPECT_TRUE(names_in(path("Maildir/new")).empty());
  EXPECT_EQ(names_in(path("Maildir/tmp")).size(), 1u);
  EXPECT_TRUE(flush(target).ok());
  ASSERT_EQ(names_in(path("Maildir/new")).size(), 1u);
  EXPECT_EQ(read_file(path("Maildir/new") / names_in(path("Maildir/new")).front()),
            deliver::crlf_to_lf(kRaw));
  EXPECT_TRUE(names_in(path("Maildir/tmp")).empty());

  // Nothing new since: flush answers at once, from inside the call.
  bool flushed = false;
  target.flush([&](common::Status s) { flushed = s.ok(); });
  EXPECT_TRUE(flushed);
}

TEST_F(TargetsTest, MaildirTargetInDoubtDoesNotDeliverAMovedMessageAgain) {
  deliver::MaildirTarget target(loop_.get(), path("Maildir").string());
  const auto message = make_message(3, kRaw);
  ASSERT_EQ(deliver(target, message).verdict, deliver::Verdict::Delivered);
  ASSERT_TRUE(flush(target).ok());
  ASSERT_EQ(names_in(path("Maildir/new")).size(), 1u);
  const std::string name = names_in(path("Maildir/new")).front();
  deliver_test::fs::rename(path("Maildir/new") / name, path("Maildir/cur") / (name + ":2,S"));

  const auto again = deliver(target, message, /*in_doubt=*/true);
  EXPECT_EQ(again.verdict, deliver::Verdict::Delivered) << again.detail;
  ASSERT_TRUE(flush(target).ok());
  EXPECT_TRUE(names_in(path("Maildir/new")).empty());
  EXPECT_TRUE(names_in(path("Maildir/tmp")).empty());
  EXPECT_EQ(names_in(path("Maildir/cur")).size(), 1u);

  // Not in doubt and still in new/: the link finds it, still one copy.
  ASSERT_EQ(deliver(target, make_message(4, kRaw)).verdict, deliver::Verdict::Delivered);
  ASSERT_TRUE(flush(target).ok());
  ASSERT_EQ(deliver(target, make_message(4, kRaw)).verdict, deliver::Verdict::Delivered);
  ASSERT_TRUE(flush(target).ok());
  EXPECT_EQ(names_in(path("Maildir/new")).size(), 1u);
  EXPECT_TRUE(names_in(path("Maildir/tmp")).empty());
}

TEST_F(TargetsTest, MaildirTargetDroppedBeforeItsFlushLeavesNothingInTmp) {
  {
    deliver::MaildirTarget target(loop_.get(), path("Maildir").string());
    ASSERT_EQ(deliver(target, make_message(5, kRaw)).verdict, deliver::Verdict::Delivered);
    EXPECT_EQ(names_in(path("Maildir/tmp")).size(), 1u);
  }
  EXPECT_TRUE(names_in(path("Maildir/tmp")).empty());
  EXPECT_TRUE(names_in(path("Maildir/new")).empty());
}

TEST_F(TargetsTest, MaildirTargetOnAFileIsPermanent) {
  ASSERT_TRUE(test_support::write_file(path("file"), "x").ok());
  deliver::MaildirTarget target(loop_.get(), path("file").string());
  const auto outcome = deliver(target, make_message(1, kRaw));
  EXPECT_EQ(outcome.verdict, deliver::Verdict::Permanent);
  EXPECT_NE(outcome.detail.find(path("file").string()), std::string::npos) << outcome.detail;
}

TEST_F(TargetsTest, MboxTargetAppendsAndInDoubtDoesNotAppendTwice) {
  const auto file = path("alice.mbox");
  deliver::MboxTarget target(loop_.get(), file.string());
  const auto first = make_message(1, kRaw);
  const auto second = make_message(2, "Subject: two\r\n\r\nbody\r\n");
  EXPECT_EQ(deliver(target, first).verdict, deliver::Verdict::Delivered);
  EXPECT_EQ(deliver(target, second).verdict, deliver::Verdict::Delivered);
  EXPECT_EQ(deliver(target, second, /*in_doubt=*/true).verdict, deliver::Verdict::Delivered);
  EXPECT_TRUE(flush(target).ok());
  EXPECT_EQ(read_file(file), deliver::mboxrd_entry(first) + deliver::mboxrd_entry(second));
}

TEST_F(TargetsTest, MboxTargetWithAHeldLockIsTemporary) {
  const auto file = path("alice.mbox");
  ASSERT_TRUE(test_support::write_file(file.string() + ".lock", "1\n").ok());
  deliver::MboxTarget target(loop_.get(), file.string(),
                             deliver::MboxLocking{100ms, std::chrono::seconds(300)});
  const auto outcome = deliver(target, make_message(1, kRaw));
  EXPECT_EQ(outcome.verdict, deliver::Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("locked"), std::string::npos) << outcome.detail;
}

}  // namespace
