#pragma once
// The scheduler tests' fixture: a Scheduler on a real uv loop with fake polls
// and a fake password resolver, time shrunk by time_scale 0.001 (a 30 s
// backoff is 30 ms). Tests drive the loop until the state they wait for.

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/scheduler.hpp"
#include "fake_poll.hpp"
#include "net/uv.hpp"

namespace popfetchd::daemon::test_support {

using fetch::PollRunner;
using std::chrono::seconds;

inline constexpr seconds kLongInterval{100'000};

inline config::Account account(const std::string& name, seconds interval = kLongInterval) {
  config::Account a;
  a.name = name;
  a.server = name + ".example";
  a.username = name;
  a.password.kind = config::PasswordSource::Kind::Literal;
  a.password.value = "pw-" + name;
  a.poll_interval = interval;
  return a;
}

inline config::Config config_with(std::vector<config::Account> accounts, unsigned max_concurrent = 16) {
  config::Config config;
  config.path = "test.yaml";
  config.database = "/nonexistent/test.db";
  config.max_concurrent_polls = max_concurrent;
  config.accounts = std::move(accounts);
  return config;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    polls_ = std::make_unique<FakePolls>(&loop_);
  }

  void make(unsigned max_concurrent = 16, Millis manual_retry_window = kManualRetryAfterAuthFailure) {
    runner_ = std::make_unique<PollRunner>(polls_->factory(), max_concurrent);
    SchedulerTuning tuning;
    tuning.time_scale = 0.001;
    tuning.backoff.manual_retry_after_auth_failure = manual_retry_window;
    tuning.seed = 42;
    tuning.outage_error_after = outage_error_after_;
    // Runs on the thread pool: only atomics and the source it is given.
    PasswordResolver resolver = [this](const config::PasswordSource& source) -> common::Result<common::Secret> {
      ++lookups_;
      if (source.value.find("broken") != std::string::npos) {
        return common::make_error(common::ErrorKind::Config, "password_file /x/broken is missing");
      }
      return common::Secret(source.value + "#" + std::to_string(lookups_.load()));
    };
    scheduler_ = std::make_unique<Scheduler>(&loop_, *runner_, resolver, tuning);
  }

  void TearDown() override {
    scheduler_.reset();
    runner_.reset();
    polls_.reset();
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
  }

  const health::AccountHealth* health(const std::string& name) {
    health_ = scheduler_->health();
    for (const health::AccountHealth& h : health_) {
      if (h.name == name) return &h;
    }
    return nullptr;
  }
  bool until(const std::function<bool()>& done) { return run_until(&loop_, done); }

  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  std::unique_ptr<FakePolls> polls_;
  std::unique_ptr<PollRunner> runner_;
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<health::AccountHealth> health_;
  std::atomic<int> lookups_{0};
  Millis outage_error_after_ = kOutageErrorAfter;  // set before make()
};


}  // namespace popfetchd::daemon::test_support
