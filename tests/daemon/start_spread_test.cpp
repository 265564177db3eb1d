// StartSpread (start_spread.hpp): a batch that can start at once keeps the
// short window; a larger one is spread, deterministically per account name,
// over up to the first interval. Plus the scheduler using it at start and on
// a reload.

#include "daemon/start_spread.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "scheduler_fixture.hpp"

namespace popfetchd::daemon {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Millis = std::chrono::milliseconds;

std::string name_of(std::size_t i) { return "user" + std::to_string(i); }

TEST(StartSpread, ABatchThatCanStartAtOnceKeepsTheShortWindow) {
  const StartSpread few(3, 16);
  EXPECT_FALSE(few.spreads());
  EXPECT_EQ(few.window(minutes(5)), Millis{60});
  EXPECT_EQ(few.delay("a", minutes(5), 0.0), Millis{0});
  EXPECT_EQ(few.delay("a", minutes(5), 1.0), Millis{60});
  // Exactly the cap: all of them start at once.
  const StartSpread at_cap(16, 16);
  EXPECT_FALSE(at_cap.spreads());
  EXPECT_EQ(at_cap.window(minutes(5)), Millis{320});
}

TEST(StartSpread, ALargerBatchSpreadsOverWavesUpToTheInterval) {
  // 40 accounts, 16 at once: 3 waves of 2 s.
  EXPECT_TRUE(StartSpread(40, 16).spreads());
  EXPECT_EQ(StartSpread(40, 16).window(minutes(5)), seconds(6));
  // 100 accounts at 16: 7 waves; at 64: 2 waves.
  EXPECT_EQ(StartSpread(100, 16).window(minutes(5)), seconds(14));
  EXPECT_EQ(StartSpread(100, 64).window(minutes(5)), seconds(4));
  // 10,000 accounts: the whole first interval, never more.
  EXPECT_EQ(StartSpread(10'000, 16).window(minutes(5)), minutes(5));
  EXPECT_EQ(StartSpread(10'000, 64).window(minutes(5)), minutes(5));
  EXPECT_EQ(StartSpread(100, 16).window(seconds(10)), seconds(10));
  // The short window when it is longer than the waves (a tiny wave).
  EXPECT_EQ(StartSpread(40, 16, {Millis{20}, Millis{10'000}, Millis{1}}).window(minutes(5)), Millis{800});
  // A cap of 0 is taken as 1.
  EXPECT_EQ(StartSpread(3, 0).window(minutes(5)), seconds(6));
}

TEST(StartSpread, OffsetsAreDeterministicPerNameAndIgnoreTheRandomNumber) {
  const StartSpread spread(10'000, 16);
  for (std::size_t i = 0; i < 50; ++i) {
    const Millis first = spread.delay(name_of(i), minutes(5), 0.0);
    EXPECT_EQ(spread.delay(name_of(i), minutes(5), 0.99), first);
    EXPECT_EQ(StartSpread(10'000, 16).delay(name_of(i), minutes(5), 0.5), first);
  }
  EXPECT_EQ(stable_name_hash(""), 14695981039346656037ULL);
  EXPECT_EQ(stable_name_hash("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(StartSpread, TenThousandAccountsFillTheFirstIntervalEvenly) {
  const StartSpread spread(10'000, 16);
  std::array<int, 10> buckets{};  // 30 s each
  for (std::size_t i = 1; i <= 10'000; ++i) {
    const Millis delay = spread.delay(name_of(i), minutes(5), 0.0);
    ASSERT_GE(delay, Millis{0});
    ASSERT_LT(delay, minutes(5));
    ++buckets[static_cast<std::size_t>(delay / seconds(30))];
  }
  // 1,000 per bucket expected; a thundering herd would put them all in one.
  for (const int count : buckets) {
    EXPECT_GT(count, 850);
    EXPECT_LT(count, 1150);
  }
}

// The scheduler applies the rule at start and to what a reload adds.
class StartSpreadScheduler : public test_support::SchedulerTest {
 protected:
  std::vector<config::Account> accounts(std::size_t n, std::size_t from = 1) {
    std::vector<config::Account> list;
    for (std::size_t i = from; i < from + n; ++i) list.push_back(test_support::account(name_of(i), seconds(1000)));
    return list;
  }
  // Seconds between the earliest and the latest next poll.
  std::int64_t next_poll_span() {
    std::int64_t lo = INT64_MAX;
    std::int64_t hi = 0;
    for (const health::AccountHealth& h : scheduler_->health()) {
      lo = std::min(lo, h.next_poll_at);
      hi = std::max(hi, h.next_poll_at);
    }
    return hi - lo;
  }
};

TEST_F(StartSpreadScheduler, ManyAccountsAtStartAreSpreadFewPollAtOnce) {
  make(4);
  // 200 accounts, 4 at once: 50 waves of 2 s = 100 s (of a 1000 s interval).
  scheduler_->start(test_support::config_with(accounts(200), 4));
  EXPECT_GT(next_poll_span(), 50);
  EXPECT_LE(next_poll_span(), 101);
}

TEST_F(StartSpreadScheduler, FewAccountsAtStartPollAtOnce) {
  make(4);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  scheduler_->start(test_support::config_with(accounts(3), 4));
  for (const health::AccountHealth& h : scheduler_->health()) EXPECT_LE(h.next_poll_at, now + 2) << h.name;
}

TEST_F(StartSpreadScheduler, AReloadSpreadsWhatItAddsNotWhatWasThere) {
  make(4);
  config::Config before = test_support::config_with(accounts(200), 4);
  scheduler_->start(before);
  // One account added to 200: it is a batch of one and polls at once.
  config::Config after = test_support::config_with(accounts(201), 4);
  AccountsDiff diff;
  diff.added = {name_of(201)};
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  scheduler_->apply(after, diff);
  const health::AccountHealth* added = health(name_of(201));
  ASSERT_NE(added, nullptr);
  EXPECT_LE(added->next_poll_at, now + 2);
}

}  // namespace
}  // namespace popfetchd::daemon
