// Scheduler on a real uv loop with fake polls and a fake password resolver.
// Time is shrunk (time_scale 0.001: a 30 s backoff is 30 ms) and every test
// drives the loop until the state it waits for, never for a fixed time.
// Intervals are long (100000 s = 100 s scaled) wherever a test must tell "at
// once" from "after the interval".

#include "daemon/scheduler.hpp"

#include <gtest/gtest.h>

#include <array>

#include <atomic>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "scheduler_fixture.hpp"

namespace popfetchd::daemon {
namespace {

using std::chrono::seconds;
using test_support::FakePolls;
using test_support::run_until;
using test_support::SchedulerTest;
using test_support::account;
using test_support::config_with;
using test_support::kLongInterval;

TEST_F(SchedulerTest, EveryAccountPollsSoonWithinTheCapAndNeverTwiceAtOnce) {
  make(3);
  std::vector<config::Account> accounts;
  for (int i = 0; i < 20; ++i) accounts.push_back(account("acct" + std::to_string(i)));
  scheduler_->start(config_with(accounts));
  ASSERT_TRUE(until([&] {
    for (const auto& a : accounts) {
      const health::AccountHealth* h = health(a.name);
      if (h == nullptr || h->polls_total < 1 || h->state != health::AccountHealth::State::Idle) return false;
    }
    return true;
  }));
  EXPECT_EQ(polls_->max_running(), 3u);
  EXPECT_FALSE(polls_->overlap_seen());
  for (const auto& a : accounts) {
    EXPECT_EQ(polls_->starts_of(a.name), 1) << a.name;  // the interval (100 s scaled) has not passed
    const health::AccountHealth* h = health(a.name);
    EXPECT_GT(h->last_success_at, 0);
    EXPECT_EQ(h->consecutive_failures, 0u);
    // next_poll_at is in real (unscaled) seconds: about the interval, +-10 %.
    const std::int64_t ahead = h->next_poll_at - static_cast<std::int64_t>(std::time(nullptr));
    EXPECT_GE(ahead, 89'000);
    EXPECT_LE(ahead, 110'001);
  }
  const auto first = polls_->starts_for("acct0");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].options.password.reveal().rfind("pw-acct0#", 0), 0u);  // the resolved password
  EXPECT_EQ(first[0].options.database_path, "/nonexistent/test.db");
  EXPECT_FALSE(first[0].options.force_pipelining_off);
}

TEST_F(SchedulerTest, PollsAgainAfterItsInterval) {
  make();
  scheduler_->start(config_with({account("a", seconds(10))}));  // 10 ms scaled
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") >= 3; }));
  EXPECT_EQ(health("a")->polls_total >= 2, true);
  EXPECT_EQ(lookups_.load(), 1);  // the password is read once and kept
}

TEST_F(SchedulerTest, ATokenHelperIsAskedBeforeEveryPoll) {
  make();
  config::Account a = account("a", seconds(10));
  a.auth = config::AuthMethod::XOAuth2;
  a.password.kind = config::PasswordSource::Kind::Command;
  scheduler_->start(config_with({a}));
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") >= 3; }));
  EXPECT_GE(lookups_.load(), 3);  // access tokens expire: never kept from one poll to the next
}

TEST_F(SchedulerTest, MorePendingPollsAgainAtOnce) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    fetch::PollReport report = FakePolls::ok_report(options.account.name, 10);
    report.more_pending = attempt < 2;
    return report;
  });
  scheduler_->start(config_with({account("big")}));
  ASSERT_TRUE(until([&] { return polls_->starts_of("big") == 3 && health("big")->polls_total == 3; }));
  EXPECT_EQ(health("big")->messages_fetched_total, 30u);
  EXPECT_EQ(health("big")->messages_stored, 30u);
}

TEST_F(SchedulerTest, EveryFinishedPollIsObservedInTheDurationHistogram) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    fetch::PollReport report = attempt == 0 ? FakePolls::ok_report(options.account.name)
                                            : FakePolls::failed_report(options.account.name,
                                                                       common::ErrorKind::Io, "refused");
    report.elapsed_ms = attempt == 0 ? 1500 : 40'000;
    report.more_pending = attempt == 0;  // poll again at once
    return report;
  });
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return health("a")->polls_total == 2; }));
  const health::DurationHistogram& h = health("a")->poll_durations;
  EXPECT_EQ(h.count, 2u);
  EXPECT_DOUBLE_EQ(h.sum_seconds, 41.5);
  EXPECT_EQ(h.in_bucket[3], 1u);  // (1, 2.5]
  EXPECT_EQ(h.in_bucket[7], 1u);  // (30, 60]
}

TEST_F(SchedulerTest, AFailureBacksOffThenASuccessClearsIt) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    if (attempt == 0) {
      return FakePolls::failed_report(options.account.name, common::ErrorKind::Io,
                                      "connection refused by 127.0.0.1:1");
    }
    return FakePolls::ok_report(options.account.name);
  });
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return health("a")->poll_failures_total == 1; }));
  {
    const health::AccountHealth* h = health("a");
    EXPECT_EQ(h->consecutive_failures, 1u);
    ASSERT_TRUE(h->last_error.has_value());
    EXPECT_EQ(*h->last_error, "connection refused by 127.0.0.1:1");
    EXPECT_FALSE(h->auth_failure);
    // The failure is counted under its reason (popfetchd_poll_failures_total{reason="io"}).
    std::array<std::uint64_t, health::kFailureReasonCount> by_reason{};
    by_reason[static_cast<std::size_t>(health::FailureReason::Io)] = 1;
    EXPECT_EQ(h->poll_failures_by_reason, by_reason);
    if (h->polls_total == 1) {
      EXPECT_EQ(h->state, health::AccountHealth::State::Backoff);
    }
  }
  // The retry comes after the backoff (30 s = 30 ms scaled), long before the interval.
  ASSERT_TRUE(until([&] { return health("a")->last_success_at > 0; }));
  const health::AccountHealth* h = health("a");
  EXPECT_EQ(h->consecutive_failures, 0u);
  EXPECT_FALSE(h->last_error.has_value());
  EXPECT_EQ(h->state, health::AccountHealth::State::Idle);
  EXPECT_EQ(polls_->starts_of("a"), 2);
}

TEST_F(SchedulerTest, AuthenticationFailureHoldsUntilRequestedAndRereadsThePassword) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    if (attempt == 0) {
      return FakePolls::failed_report(options.account.name, common::ErrorKind::Auth, "[AUTH] invalid login",
                                      fetch::RetryHint::AuthFailed);
    }
    return FakePolls::ok_report(options.account.name);
  });
  scheduler_->start(config_with({account("a", seconds(10))}));
  ASSERT_TRUE(until([&] { return health("a")->poll_failures_total == 1; }));
  const health::AccountHealth* h = health("a");
  EXPECT_TRUE(h->auth_failure);
  EXPECT_EQ(h->poll_failures_by_reason[static_cast<std::size_t>(health::FailureReason::Auth)], 1u);
  EXPECT_EQ(h->state, health::AccountHealth::State::Backoff);
  // Held for about 6 h (real seconds), although the interval is 10 s.
  EXPECT_GE(h->next_poll_at - static_cast<std::int64_t>(std::time(nullptr)), 5 * 3600);
  EXPECT_EQ(lookups_.load(), 1);

  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  ASSERT_TRUE(until([&] { return health("a")->last_success_at > 0; }));
  EXPECT_FALSE(health("a")->auth_failure);
  EXPECT_EQ(lookups_.load(), 2);  // read again: it may have been fixed
}

TEST_F(SchedulerTest, PermanentFailureIsShownAsSuch) {
  make();
  polls_->script([](const fetch::PollOptions& options, int) {
    return FakePolls::failed_report(options.account.name, common::ErrorKind::PermFail,
                                    "[SYS/PERM] account disabled", fetch::RetryHint::Permanent);
  });
  scheduler_->start(config_with({account("a", seconds(10))}));
  ASSERT_TRUE(until([&] { return health("a")->poll_failures_total == 1; }));
  EXPECT_TRUE(health("a")->permanent_failure);
  EXPECT_FALSE(health("a")->auth_failure);
  EXPECT_GE(health("a")->next_poll_at - static_cast<std::int64_t>(std::time(nullptr)), 5 * 3600);
}

TEST_F(SchedulerTest, LoginDelayStretchesTheInterval) {
  make();
  polls_->script([](const fetch::PollOptions& options, int) {
    fetch::PollReport report = FakePolls::ok_report(options.account.name);
    report.login_delay_seconds = 7200;
    return report;
  });
  scheduler_->start(config_with({account("a", seconds(10))}));
  ASSERT_TRUE(until([&] {
    return health("a")->polls_total == 1 && health("a")->state == health::AccountHealth::State::Idle;
  }));
  EXPECT_GE(health("a")->next_poll_at - static_cast<std::int64_t>(std::time(nullptr)), 6400);
}

TEST_F(SchedulerTest, PipeliningTroubleTurnsItOffForOnePollThenBackOn) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    if (attempt == 0) {
      fetch::PollReport report =
          FakePolls::failed_report(options.account.name, common::ErrorKind::Protocol, "garbled reply");
      report.pipelining_suspect = true;
      return report;
    }
    fetch::PollReport report = FakePolls::ok_report(options.account.name);
    report.more_pending = attempt == 1;  // so the third poll follows at once
    return report;
  });
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") == 3; }));
  const auto starts = polls_->starts_for("a");
  EXPECT_FALSE(starts[0].options.force_pipelining_off);
  EXPECT_TRUE(starts[1].options.force_pipelining_off);
  EXPECT_FALSE(starts[2].options.force_pipelining_off);
}

TEST_F(SchedulerTest, PipeliningFailingTwiceStaysOff) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    if (attempt == 0 || attempt == 2) {
      fetch::PollReport report =
          FakePolls::failed_report(options.account.name, common::ErrorKind::Protocol, "garbled reply");
      report.pipelining_suspect = true;
      return report;
    }
    fetch::PollReport report = FakePolls::ok_report(options.account.name);
    report.more_pending = attempt < 4;  // the next poll follows at once, up to the fifth
    return report;
  });
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") == 5 && !polls_->is_running("a"); }));
  const auto starts = polls_->starts_for("a");
  EXPECT_FALSE(starts[0].options.force_pipelining_off);
  EXPECT_TRUE(starts[1].options.force_pipelining_off);
  EXPECT_FALSE(starts[2].options.force_pipelining_off);
  EXPECT_TRUE(starts[3].options.force_pipelining_off);
  EXPECT_TRUE(starts[4].options.force_pipelining_off);  // stays off after the second strike
}

TEST_F(SchedulerTest, UnreadablePasswordIsAFailedAttemptNotACrash) {
  make();
  config::Account broken = account("broken");
  broken.password.kind = config::PasswordSource::Kind::File;
  broken.password.value = "/x/broken";
  scheduler_->start(config_with({account("good"), broken}));
  ASSERT_TRUE(until(
      [&] { return health("broken")->consecutive_failures >= 1 && health("good")->last_success_at > 0; }));
  const health::AccountHealth* h = health("broken");
  ASSERT_TRUE(h->last_error.has_value());
  EXPECT_EQ(*h->last_error, "password: password_file /x/broken is missing");
  EXPECT_EQ(h->state, health::AccountHealth::State::Backoff);
  EXPECT_EQ(polls_->starts_of("broken"), 0);
  // It is retried (with backoff: 30 ms scaled), reading the password again.
  ASSERT_TRUE(until([&] { return health("broken")->consecutive_failures >= 2; }));
  EXPECT_EQ(polls_->starts_of("broken"), 0);
}

TEST_F(SchedulerTest, ARequestWhileRunningBecomesOneMorePollAfterIt) {
  make();
  polls_->hold("a");
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return polls_->is_running("a"); }));
  EXPECT_EQ(health("a")->state, health::AccountHealth::State::Polling);
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::nullopt));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls_->starts_of("a"), 1);
  polls_->release("a");
  ASSERT_TRUE(polls_->finish("a", FakePolls::ok_report("a")));
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") == 2 && !polls_->is_running("a"); }));
  EXPECT_FALSE(polls_->overlap_seen());
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls_->starts_of("a"), 2);  // the three requests were one poll
}

TEST_F(SchedulerTest, RequestPollNamesAKnownAccount) {
  make();
  scheduler_->start(config_with({account("a")}));
  EXPECT_EQ(health::PollRequest::UnknownAccount, scheduler_->request_poll(std::string("nobody")));
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::nullopt));
}

TEST_F(SchedulerTest, ReloadAddsRemovesAndChangesWithoutDisturbingARunningPoll) {
  make();
  polls_->hold("old");
  scheduler_->start(config_with({account("old"), account("same"), account("moved")}));
  ASSERT_TRUE(until([&] {
    return polls_->is_running("old") && health("same")->polls_total == 1 && health("moved")->polls_total == 1;
  }));

  config::Account moved = account("moved");
  moved.server = "new.example";
  const config::Config next = config_with({account("new"), moved, account("same")});
  scheduler_->apply(next,
                    diff_accounts(config_with({account("old"), account("same"), account("moved")}).accounts,
                                  next.accounts));
  // The removed account is still listed while its poll runs; nothing stopped it.
  EXPECT_NE(health("old"), nullptr);
  EXPECT_EQ(polls_->stops(), 0);
  EXPECT_TRUE(polls_->is_running("old"));
  ASSERT_TRUE(until([&] { return health("new") != nullptr && health("new")->polls_total == 1; }));
  EXPECT_EQ(health::PollRequest::UnknownAccount, scheduler_->request_poll(std::string("old")));

  ASSERT_TRUE(polls_->finish("old", FakePolls::ok_report("old", 2)));
  EXPECT_EQ(health("old"), nullptr);
  EXPECT_EQ(polls_->starts_of("old"), 1);

  // Order follows the new file.
  const auto accounts = scheduler_->health();
  ASSERT_EQ(accounts.size(), 3u);
  EXPECT_EQ(accounts[0].name, "new");
  EXPECT_EQ(accounts[1].name, "moved");
  EXPECT_EQ(accounts[2].name, "same");

  // The changed account uses its new settings at its next poll.
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("moved")));
  ASSERT_TRUE(until([&] { return polls_->starts_of("moved") == 2 && !polls_->is_running("moved"); }));
  EXPECT_EQ(polls_->starts_for("moved")[1].options.account.server, "new.example");
  EXPECT_EQ(polls_->starts_for("moved")[0].options.account.server, "moved.example");
}

TEST_F(SchedulerTest, ShutdownStopsRunningPollsAndStartsNoMore) {
  // One session at a time and both polls held: whichever account the jittered
  // start picks first runs, the other waits for the slot.
  make(1);
  polls_->hold("a");
  polls_->hold("b");
  scheduler_->start(config_with({account("a"), account("b")}, 1));
  ASSERT_TRUE(until([&] { return polls_->is_running("a") || polls_->is_running("b"); }));
  const std::string running = polls_->is_running("a") ? "a" : "b";
  const std::string waiting = running == "a" ? "b" : "a";
  bool finished = false;
  scheduler_->shutdown([&] { finished = true; });
  EXPECT_TRUE(scheduler_->shutting_down());
  EXPECT_EQ(polls_->stops(), 1);
  EXPECT_EQ(health::PollRequest::ShuttingDown, scheduler_->request_poll(std::nullopt));
  EXPECT_EQ(health::PollRequest::ShuttingDown, scheduler_->request_poll(waiting));
  ASSERT_TRUE(until([&] { return finished; }));
  EXPECT_EQ(polls_->starts_of(waiting), 0);
  // An abort we asked for is not a failure of the account.
  EXPECT_EQ(health(running)->consecutive_failures, 0u);
  EXPECT_EQ(health(running)->next_poll_at, 0);
}

TEST_F(SchedulerTest, ShutdownWithNothingRunningFinishesAtOnce) {
  make();
  scheduler_->start(config_with({account("a")}));
  bool finished = false;
  scheduler_->shutdown([&] { finished = true; });
  EXPECT_TRUE(finished);
}

TEST_F(SchedulerTest, AbandonClosesPollsThatIgnoreStop) {
  make();
  polls_->hold("a", /*honour_stop=*/false);
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return polls_->is_running("a"); }));
  bool finished = false;
  scheduler_->shutdown([&] { finished = true; });
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(finished);
  scheduler_->abandon_running();
  EXPECT_TRUE(finished);
  EXPECT_EQ(polls_->running(), 0u);
}

TEST_F(SchedulerTest, ArchiveTotalsPlusWhatPollsStore) {
  make();
  scheduler_->start(config_with({account("a"), account("b")}));
  scheduler_->set_archive_totals({{"a", 40, 4000}, {"zzz", 1, 1}});
  EXPECT_EQ(health("a")->messages_stored, 40u);
  EXPECT_EQ(health("b")->messages_stored, 0u);
  polls_->script(
      [](const fetch::PollOptions& options, int) { return FakePolls::ok_report(options.account.name, 2); });
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  ASSERT_TRUE(until([&] { return health("a")->messages_stored == 42; }));
  EXPECT_EQ(health("a")->bytes_stored, 4200u);
}

}  // namespace
}  // namespace popfetchd::daemon
