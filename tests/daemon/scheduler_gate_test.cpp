// The scheduler's PollGate (several daemons on one PostgreSQL archive): an
// account another daemon polls is neither polled nor failed and is asked
// about again at its next due time; a gate that cannot decide (the database
// is away) is a failed attempt that backs off; a later "yes" polls again.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "daemon/poll_gate.hpp"
#include "scheduler_fixture.hpp"

namespace popfetchd::daemon {
namespace {

using std::chrono::seconds;
using test_support::SchedulerTest;
using test_support::account;
using test_support::config_with;

// Answers per account from a table the test changes; counts the questions.
class ScriptedGate final : public PollGate {
 public:
  enum class Answer { Poll, Elsewhere, Unreachable };
  common::Result<bool> may_poll(const std::string& account) override {
    ++asked[account];
    switch (answers[account]) {
      case Answer::Poll: return true;
      case Answer::Elsewhere: return false;
      case Answer::Unreachable: break;
    }
    return common::make_error(common::ErrorKind::Storage, "claiming the account: connection refused");
  }
  std::map<std::string, Answer> answers;
  std::map<std::string, int> asked;
};

TEST_F(SchedulerTest, AnAccountHeldByAnotherDaemonIsNotPolledNorFailedAndIsAskedAgain) {
  make();
  ScriptedGate gate;
  gate.answers["mine"] = ScriptedGate::Answer::Poll;
  gate.answers["theirs"] = ScriptedGate::Answer::Elsewhere;
  scheduler_->set_poll_gate(&gate);
  // 10 s scaled by 0.001: the next due time is 10 ms away.
  scheduler_->start(config_with({account("mine", seconds(10)), account("theirs", seconds(10))}));
  ASSERT_TRUE(until([&] { return gate.asked["theirs"] >= 3 && polls_->starts_of("mine") >= 2; }));
  EXPECT_EQ(polls_->starts_of("theirs"), 0);
  const health::AccountHealth* theirs = health("theirs");
  EXPECT_EQ(theirs->poll_failures_total, 0u);
  EXPECT_EQ(theirs->consecutive_failures, 0u);
  EXPECT_EQ(theirs->polls_total, 0u) << "a skipped account is not a poll";
  EXPECT_EQ(theirs->state, health::AccountHealth::State::Idle);
  EXPECT_GT(theirs->next_poll_at, 0);

  gate.answers["theirs"] = ScriptedGate::Answer::Poll;  // the other daemon died
  ASSERT_TRUE(until([&] { return polls_->starts_of("theirs") >= 1; }));
}

TEST_F(SchedulerTest, AGateThatCannotDecideIsAFailedAttemptWithBackoff) {
  make();
  ScriptedGate gate;
  gate.answers["a"] = ScriptedGate::Answer::Unreachable;
  scheduler_->set_poll_gate(&gate);
  scheduler_->start(config_with({account("a", seconds(10))}));
  ASSERT_TRUE(until([&] { return health("a")->consecutive_failures >= 2; }));
  EXPECT_EQ(polls_->starts_of("a"), 0);
  EXPECT_EQ(health("a")->state, health::AccountHealth::State::Backoff);
  ASSERT_TRUE(health("a")->last_error);
  EXPECT_NE(health("a")->last_error->find("connection refused"), std::string::npos);
  const health::AccountHealth a = *health("a");  // one snapshot: health() replaces the last
  EXPECT_EQ(a.poll_failures_by_reason[static_cast<std::size_t>(health::FailureReason::Storage)],
            a.poll_failures_total);

  gate.answers["a"] = ScriptedGate::Answer::Poll;  // the database is back
  ASSERT_TRUE(until([&] { return health("a")->last_success_at > 0; }));
  EXPECT_EQ(health("a")->consecutive_failures, 0u);
}

}  // namespace
}  // namespace popfetchd::daemon
