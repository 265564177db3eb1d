// The holds after a rejected password: what lifts them (a reload that
// changes the account, one manual retry per window) and what does not.

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"

#include "scheduler_fixture.hpp"

namespace popfetchd::daemon {
namespace {

using std::chrono::seconds;
using test_support::FakePolls;
using test_support::SchedulerTest;
using test_support::account;
using test_support::config_with;

// Every poll of "a" is refused with a wrong password.
void reject_every_password(FakePolls& polls) {
  polls.script([](const fetch::PollOptions& options, int) {
    return FakePolls::failed_report(options.account.name, common::ErrorKind::Auth, "wrong password",
                                    fetch::RetryHint::AuthFailed);
  });
}

TEST_F(SchedulerTest, ReloadWithTheSameSettingsKeepsAnAuthenticationHold) {
  make();
  reject_every_password(*polls_);
  const config::Config config = config_with({account("a")});
  scheduler_->start(config);
  ASSERT_TRUE(until([&] {
    return health("a")->auth_failure && health("a")->state == health::AccountHealth::State::Backoff;
  }));
  scheduler_->apply(config, diff_accounts(config.accounts, config.accounts));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls_->starts_of("a"), 1) << "the same password would be sent again";
  EXPECT_GE(health("a")->next_poll_at - static_cast<std::int64_t>(std::time(nullptr)), 5 * 3600);
}

TEST_F(SchedulerTest, ReloadThatChangesTheAccountReleasesAnAuthenticationHold) {
  make();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    if (attempt == 0) {
      return FakePolls::failed_report(options.account.name, common::ErrorKind::Auth, "wrong password",
                                      fetch::RetryHint::AuthFailed);
    }
    return FakePolls::ok_report(options.account.name);
  });
  const config::Config config = config_with({account("a")});
  scheduler_->start(config);
  ASSERT_TRUE(until([&] { return health("a")->auth_failure; }));
  config::Account fixed = account("a");
  fixed.password.value = "pw-fixed";
  const config::Config next = config_with({fixed});
  scheduler_->apply(next, diff_accounts(config.accounts, next.accounts));
  ASSERT_TRUE(until([&] { return health("a")->last_success_at > 0; }));
  EXPECT_EQ(polls_->starts_of("a"), 2);
  EXPECT_EQ(polls_->starts_for("a")[1].options.password.reveal().rfind("pw-fixed#", 0), 0u);
}

// 155 wrong-password attempts in 10 s through POST /poll/<account> were
// possible: now one manual retry per window, the rest refused, the hold kept.
TEST_F(SchedulerTest, ManualRetriesAfterARejectedPasswordAreRateLimited) {
  make(16, std::chrono::hours(100));  // 360 s scaled: far longer than the test runs
  reject_every_password(*polls_);
  scheduler_->start(config_with({account("a"), account("b")}));
  ASSERT_TRUE(until([&] {
    return health("a")->auth_failure && health("b")->auth_failure && !polls_->is_running("a") &&
           !polls_->is_running("b");
  }));
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") == 2 && health("a")->poll_failures_total == 2; }));
  EXPECT_EQ(health::PollRequest::RateLimited, scheduler_->request_poll(std::string("a")));
  EXPECT_EQ(health::PollRequest::RateLimited, scheduler_->request_poll(std::string("a")));
  // POST /poll retries b (its first manual retry) but not a.
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::nullopt));
  ASSERT_TRUE(until([&] { return polls_->starts_of("b") == 2 && health("b")->poll_failures_total == 2; }));
  EXPECT_EQ(health::PollRequest::RateLimited, scheduler_->request_poll(std::nullopt));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls_->starts_of("a"), 2);
  EXPECT_EQ(polls_->starts_of("b"), 2);
  EXPECT_TRUE(health("a")->auth_failure);
  EXPECT_GE(health("a")->next_poll_at - static_cast<std::int64_t>(std::time(nullptr)), 5 * 3600);
}

TEST_F(SchedulerTest, AManualRetryIsAllowedAgainOnceTheWindowHasPassed) {
  make(16, Millis{0});
  reject_every_password(*polls_);
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return health("a")->auth_failure && !polls_->is_running("a"); }));
  for (int retry = 2; retry <= 3; ++retry) {
    EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
    ASSERT_TRUE(until([&] { return health("a")->poll_failures_total == static_cast<std::uint64_t>(retry); }));
  }
}

TEST_F(SchedulerTest, ARequestDuringAPollWhosePasswordIsRejectedIsNotAnImmediateRetry) {
  make();
  reject_every_password(*polls_);
  polls_->hold("a");
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return polls_->is_running("a"); }));
  EXPECT_EQ(health::PollRequest::Accepted, scheduler_->request_poll(std::string("a")));
  polls_->release("a");
  ASSERT_TRUE(polls_->finish("a", FakePolls::failed_report("a", common::ErrorKind::Auth, "wrong password",
                                                           fetch::RetryHint::AuthFailed)));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls_->starts_of("a"), 1);
  EXPECT_TRUE(health("a")->auth_failure);
}

// Issue 16: an account that cannot reach its server for the outage span
// (an hour in the daemon; 200 s here, 200 ms of the test's shrunk time) is
// logged at err once, its other failures at warning; after a success the
// span counts afresh.
TEST_F(SchedulerTest, ALongNetworkOutageIsLoggedAtErrOnce) {
  // Shared: the sink and the script may outlive the test's body (TearDown).
  auto log = std::make_shared<std::vector<std::string>>();
  common::set_log_sink([log](std::string_view line) { log->emplace_back(line); });
  struct SinkReset {
    ~SinkReset() { common::set_log_sink({}); }
  } sink_reset;
  const auto errors = [&] {
    int n = 0;
    for (const std::string& line : *log) {
      n += line.find(" error [a] cannot reach the server for") != std::string::npos;
    }
    return n;
  };
  auto failing = std::make_shared<bool>(true);
  polls_->script([failing](const fetch::PollOptions& options, int) {
    if (!*failing) return FakePolls::ok_report(options.account.name);
    return FakePolls::failed_report(options.account.name, common::ErrorKind::Io, "connection refused");
  });
  outage_error_after_ = Millis{200'000};
  make();
  scheduler_->start(config_with({account("a")}));
  ASSERT_TRUE(until([&] { return errors() == 1; }));
  const int starts_at_err = polls_->starts_of("a");
  EXPECT_GE(starts_at_err, 3);  // 30 ms, 60 ms, 120 ms of backoff before 200 ms have passed
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") >= starts_at_err + 2; }));
  EXPECT_EQ(errors(), 1) << "once per outage";
  std::size_t warnings = 0;
  for (const std::string& line : *log) {
    warnings += line.find(" warn [a] poll failed (io)") != std::string::npos;
  }
  EXPECT_GE(warnings, 3u);

  *failing = false;
  ASSERT_TRUE(until([&] { return health("a")->consecutive_failures == 0; }));
  *failing = true;
  scheduler_->request_poll(std::string("a"));
  ASSERT_TRUE(until([&] { return errors() == 2; })) << "a new outage after the success";
}

}  // namespace
}  // namespace popfetchd::daemon
