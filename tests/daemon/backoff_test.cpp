// The scheduling rules of backoff.hpp as tables: each row is one outcome and
// the delay it must lead to (before jitter), then jitter and the start spread.

#include "daemon/backoff.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace popfetchd::daemon {
namespace {

using fetch::RetryHint;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct FailureRow {
  std::uint32_t failures;
  Millis interval;
  Millis expected;
};

TEST(FailureBackoff, DoublesFromThirtySecondsUpToTheCap) {
  const BackoffPolicy policy;
  const std::vector<FailureRow> rows = {
      {0, minutes(5), Millis{0}},
      {1, minutes(5), seconds(30)},
      {2, minutes(5), seconds(60)},
      {3, minutes(5), minutes(2)},
      {4, minutes(5), minutes(4)},
      {5, minutes(5), minutes(5)},  // capped at the interval (>= 5 min, <= 1 h)
      {50, minutes(5), minutes(5)},
      // A short interval still backs off to 5 minutes: a broken server is not hit every 10 s.
      {1, seconds(10), seconds(30)},
      {4, seconds(10), minutes(4)},
      {6, seconds(10), minutes(5)},
      // A long interval: failures are retried within the hour.
      {6, hours(24), minutes(16)},
      {8, hours(24), hours(1)},
      {1000, hours(24), hours(1)},
      {4'000'000'000u, hours(24), hours(1)},  // no overflow
      // Between 5 min and 1 h, the interval itself is the cap.
      {10, minutes(20), minutes(20)},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(failure_backoff(rows[i].failures, rows[i].interval, policy), rows[i].expected) << "row " << i;
  }
}

struct NextRow {
  AttemptOutcome outcome;
  Millis interval;
  Millis expected;
  NextPollReason reason;
  bool jitter;
};

AttemptOutcome ok(bool more = false, std::optional<std::uint32_t> login_delay = std::nullopt) {
  AttemptOutcome outcome;
  outcome.ok = true;
  outcome.more_pending = more;
  outcome.login_delay_s = login_delay;
  return outcome;
}

AttemptOutcome failed(RetryHint retry, std::uint32_t failures,
                      std::optional<std::uint32_t> login_delay = std::nullopt) {
  AttemptOutcome outcome;
  outcome.retry = retry;
  outcome.consecutive_failures = failures;
  outcome.login_delay_s = login_delay;
  return outcome;
}

TEST(NextPoll, EveryOutcomeHasItsDelay) {
  const BackoffPolicy policy;
  const std::vector<NextRow> rows = {
      {ok(), minutes(5), minutes(5), NextPollReason::Interval, true},
      {ok(true), minutes(5), Millis{0}, NextPollReason::MorePending, false},
      // A LOGIN-DELAY longer than the interval stretches it; a shorter one does not.
      {ok(false, 900), minutes(5), minutes(15), NextPollReason::Interval, true},
      {ok(false, 60), minutes(5), minutes(5), NextPollReason::Interval, true},
      {failed(RetryHint::Normal, 1), minutes(5), seconds(30), NextPollReason::Backoff, true},
      {failed(RetryHint::Normal, 3), minutes(5), minutes(2), NextPollReason::Backoff, true},
      {failed(RetryHint::Normal, 0), minutes(5), seconds(30), NextPollReason::Backoff, true},
      {failed(RetryHint::AuthFailed, 1), minutes(5), hours(6), NextPollReason::AuthFailure, true},
      {failed(RetryHint::AuthFailed, 9), seconds(10), hours(6), NextPollReason::AuthFailure, true},
      {failed(RetryHint::Permanent, 1), minutes(5), hours(6), NextPollReason::PermanentFailure, true},
      {failed(RetryHint::LoginDelay, 1), minutes(5), minutes(15), NextPollReason::LoginDelay, true},
      {failed(RetryHint::LoginDelay, 1, 600), minutes(5), minutes(10), NextPollReason::LoginDelay, true},
      {failed(RetryHint::LoginDelay, 1, 5), minutes(5), seconds(30), NextPollReason::LoginDelay, true},
      {failed(RetryHint::InUse, 1), minutes(5), seconds(90), NextPollReason::InUse, true},
      {failed(RetryHint::InUse, 3), minutes(5), minutes(2), NextPollReason::InUse, true},
      {failed(RetryHint::InUse, 9), minutes(5), minutes(5), NextPollReason::InUse, true},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const NextPoll next = next_poll(rows[i].outcome, rows[i].interval, policy);
    EXPECT_EQ(next.delay, rows[i].expected) << "row " << i;
    EXPECT_EQ(next.reason, rows[i].reason) << "row " << i;
    EXPECT_EQ(next.jitter, rows[i].jitter) << "row " << i;
  }
}

TEST(NextPoll, PolicyValuesAreUsed) {
  BackoffPolicy policy;
  policy.failure_base = Millis{10};
  policy.auth_failure = Millis{777};
  policy.in_use = Millis{5};
  EXPECT_EQ(next_poll(failed(RetryHint::Normal, 2), minutes(5), policy).delay, Millis{20});
  EXPECT_EQ(next_poll(failed(RetryHint::AuthFailed, 1), minutes(5), policy).delay, Millis{777});
  EXPECT_EQ(next_poll(failed(RetryHint::InUse, 1), minutes(5), policy).delay, Millis{10});
}

TEST(EffectiveInterval, LoginDelayOnlyStretches) {
  EXPECT_EQ(effective_interval(minutes(5), std::nullopt), minutes(5));
  EXPECT_EQ(effective_interval(minutes(5), 3600), hours(1));
  EXPECT_EQ(effective_interval(minutes(5), 0), minutes(5));
}

TEST(Jitter, StaysWithinTheFractionAndNeverNegative) {
  EXPECT_EQ(apply_jitter(Millis{1000}, 0.1, 0.0), Millis{1000});
  EXPECT_EQ(apply_jitter(Millis{1000}, 0.1, 1.0), Millis{1100});
  EXPECT_EQ(apply_jitter(Millis{1000}, 0.1, -1.0), Millis{900});
  EXPECT_EQ(apply_jitter(Millis{1000}, 0.1, 5.0), Millis{1100});  // clamped
  EXPECT_EQ(apply_jitter(Millis{0}, 0.1, 1.0), Millis{0});
  EXPECT_EQ(apply_jitter(Millis{1000}, 2.0, -1.0), Millis{0});
}

TEST(FirstPoll, SpreadGrowsWithTheAccountsAndIsBounded) {
  const Millis per_account{20};
  const Millis max_window{10'000};
  // 3 accounts: within 60 ms; 100: within 2 s; 1000: at most 10 s.
  EXPECT_EQ(first_poll_delay(3, minutes(5), per_account, max_window, 1.0), Millis{60});
  EXPECT_EQ(first_poll_delay(100, minutes(5), per_account, max_window, 1.0), Millis{2000});
  EXPECT_EQ(first_poll_delay(1000, minutes(5), per_account, max_window, 1.0), Millis{10'000});
  EXPECT_EQ(first_poll_delay(1000, seconds(30), per_account, max_window, 1.0),
            Millis{3000});  // interval / 10
  EXPECT_EQ(first_poll_delay(100, minutes(5), per_account, max_window, 0.0), Millis{0});
  EXPECT_EQ(first_poll_delay(100, minutes(5), per_account, max_window, 0.5), Millis{1000});
}

TEST(DescribeDelay, ReadsLikeALogLine) {
  const std::vector<std::pair<Millis, std::string>> rows = {
      {Millis{0}, "at once"},      {Millis{250}, "in 0.25s"}, {seconds(45), "in 45s"},
      {seconds(270), "in 4m 30s"}, {minutes(5), "in 5m"},     {hours(6), "in 6h"},
      {minutes(65), "in 1h 5m"},   {Millis{-5}, "at once"},
  };
  for (const auto& [delay, text] : rows) EXPECT_EQ(describe_delay(delay), text) << delay.count();
}

TEST(PipeliningFallback, OneFailureTurnsItOffForOnePoll) {
  PipeliningFallback fallback;
  EXPECT_FALSE(fallback.off());
  fallback.on_failure(true);
  EXPECT_TRUE(fallback.off());
  EXPECT_FALSE(fallback.stays_off());
  fallback.on_success();
  EXPECT_FALSE(fallback.off());
}

TEST(PipeliningFallback, FailuresWithNothingPipelinedChangeNothing) {
  PipeliningFallback fallback;
  fallback.on_failure(false);
  fallback.on_failure(false);
  EXPECT_FALSE(fallback.off());
  fallback.on_failure(true);
  fallback.on_failure(false);  // e.g. the poll without pipelining failed for another reason
  EXPECT_TRUE(fallback.off());
  EXPECT_FALSE(fallback.stays_off());
}

TEST(PipeliningFallback, TwoStrikesKeepItOffUntilReset) {
  PipeliningFallback fallback;
  fallback.on_failure(true);
  fallback.on_success();
  fallback.on_failure(true);  // the second strike, even after a success in between
  EXPECT_TRUE(fallback.off());
  EXPECT_TRUE(fallback.stays_off());
  fallback.on_success();
  fallback.on_success();
  EXPECT_TRUE(fallback.off());
  fallback.reset();  // the account's settings changed
  EXPECT_FALSE(fallback.off());
  EXPECT_FALSE(fallback.stays_off());
  fallback.on_failure(true);
  fallback.on_success();
  EXPECT_FALSE(fallback.off());
}

TEST(DescribeNextPoll, NamesTheWayOutOfEachHold) {
  FailureNote note;
  note.account = "alice";
  note.error_kind = "auth";
  note.what = "[AUTH] invalid login";
  note.reason = NextPollReason::AuthFailure;
  note.delay = hours(6);
  note.manual_retry_window = kManualRetryAfterAuthFailure;
  EXPECT_EQ(
      describe_next_poll(note),
      "authentication failed: [AUTH] invalid login; not retrying for a long while (next in 6h, or after a "
      "reload that changes the account, or one POST /poll/alice per 5m) so the provider does not lock "
      "the account");
  note.reason = NextPollReason::PermanentFailure;
  note.what = "[SYS/PERM] disabled";
  EXPECT_EQ(
      describe_next_poll(note),
      "permanent failure: [SYS/PERM] disabled; this needs attention (next attempt in 6h, or after SIGHUP "
      "or POST /poll/alice)");
  note.reason = NextPollReason::Backoff;
  note.error_kind = "io";
  note.what = "connection refused";
  note.consecutive_failures = 2;
  note.delay = minutes(1);
  EXPECT_EQ(describe_next_poll(note),
            "poll failed (io): connection refused; 2 failures in a row, next attempt in 1m (backoff)");
  EXPECT_EQ(describe_span(minutes(5)), "5m");
  EXPECT_EQ(describe_span(Millis{0}), "0s");
}

}  // namespace
}  // namespace popfetchd::daemon
