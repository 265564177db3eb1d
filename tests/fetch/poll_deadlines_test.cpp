// PollDeadlines: the per-reply and per-poll deadlines as arithmetic over a
// clock the test moves by hand.

#include "fetch/poll_deadlines.hpp"

#include <gtest/gtest.h>

namespace fetch {
namespace {

constexpr std::uint64_t kTimeout = 30'000;

TEST(PollDeadlines, ATricklingReplyExpiresAfterTheTimeoutAlthoughBytesKeepComing) {
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.awaiting("RETR 20", 0, 1000);
  for (std::uint64_t second = 1; second <= 30; ++second) deadlines.received(1);  // one byte a second
  // 30 bytes buy 3 ms at the slowest rate allowed.
  EXPECT_FALSE(deadlines.expired(1000 + kTimeout + 2, "pop.example"));
  auto expired = deadlines.expired(1000 + kTimeout + 3, "pop.example");
  ASSERT_TRUE(expired);
  EXPECT_EQ(*expired, "no complete reply to RETR 20 from pop.example within 30s (30 bytes arrived, slower than 10 KB/s)");
}

TEST(PollDeadlines, ABigMessageGetsTimeForItsListSize) {
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.planned(50'000'000, 0);
  deadlines.awaiting("RETR 1", 50'000'000, 0);
  deadlines.received(100);
  EXPECT_EQ(deadlines.due_ms(), kTimeout + 5'000'000);
  EXPECT_FALSE(deadlines.expired(kTimeout + 4'999'999, "h"));
}

TEST(PollDeadlines, AReplyThatKeepsComingFastIsNeverCut) {
  // A 300,000-line listing: no LIST size to go by, but the bytes that arrived extend it.
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.awaiting("LIST", 0, 0);
  deadlines.received(9'000'000);
  // The bytes extend the poll's deadline too: 10 x timeout + 900 s.
  EXPECT_EQ(deadlines.due_ms(), kTimeout + 900'000);
  EXPECT_FALSE(deadlines.expired(kTimeout + 899'999, "h"));
}

TEST(PollDeadlines, TheNextCommandRestartsTheReplyClock) {
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.awaiting("RETR 1", 0, 0);
  deadlines.received(1);
  deadlines.awaiting("RETR 1", 0, 20'000);  // same command: no restart
  EXPECT_EQ(deadlines.due_ms(), kTimeout);
  deadlines.awaiting("RETR 2", 0, 20'000);
  deadlines.received(1);
  EXPECT_EQ(deadlines.due_ms(), 20'000 + kTimeout);
  EXPECT_EQ(deadlines.awaited(), "RETR 2");
}

TEST(PollDeadlines, SilenceIsLeftToTheConnectionsTimeout) {
  // Nothing of the reply arrived: the connection's silence timeout fires
  // first and names the command; the reply deadline does not compete with it.
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.awaiting("the greeting", 0, 0);
  EXPECT_EQ(deadlines.due_ms(), kPollDeadlineTimeouts * kTimeout);
  EXPECT_FALSE(deadlines.expired(kTimeout * 2, "h"));
}

TEST(PollDeadlines, NothingAwaitedLeavesOnlyThePollDeadline) {
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.awaiting("", 0, 0);
  EXPECT_EQ(deadlines.due_ms(), kPollDeadlineTimeouts * kTimeout);
  EXPECT_FALSE(deadlines.expired(kPollDeadlineTimeouts * kTimeout - 1, "h"));
  auto expired = deadlines.expired(kPollDeadlineTimeouts * kTimeout, "h");
  ASSERT_TRUE(expired);
  EXPECT_NE(expired->find("the poll of h did not finish within 300s"), std::string::npos);
}

TEST(PollDeadlines, ThePollDeadlineGrowsWithThePlannedBytes) {
  PollDeadlines deadlines(kTimeout, 0);
  deadlines.planned(1'000'000'000, 5'000);  // 1 GB: 100,000 s at the slowest rate allowed
  EXPECT_EQ(deadlines.due_ms(), 5'000 + kPollDeadlineTimeouts * kTimeout + 100'000'000);
}

}  // namespace
}  // namespace fetch
