// The accounts' hooks (on_failure, on_new_mail): HookRunner with real
// programs (a shell script that writes its environment to a file, sleep),
// and the Scheduler deciding when they run, on a real uv loop with fake polls.

#include "daemon/hook_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "net/uv.hpp"
#include "scheduler_fixture.hpp"
#include "support/temp_dir.hpp"

namespace popfetchd::daemon {
namespace {

namespace fs = std::filesystem;
using test_support::account;
using test_support::config_with;
using test_support::FakePolls;
using test_support::run_until;
using test_support::SchedulerTest;

// Appends what the hook saw to the file named by its first argument.
constexpr const char* kScript =
    "{ echo \"event=$POPFETCHD_EVENT account=$POPFETCHD_ACCOUNT new=$POPFETCHD_NEW_MESSAGES\"\n"
    "  echo \"error=$POPFETCHD_ERROR\"\n"
    "  echo \"secret=${HOOK_TEST_SECRET-unset} path=${PATH:+set}\"; } >> \"$1\"\n"
    "echo \"hook says hello\"; echo \"second line\" >&2\n";

class HookFiles {
 public:
  HookFiles() { std::ofstream(script()) << kScript; }
  fs::path script() const { return dir_.path() / "hook.sh"; }
  fs::path out(const std::string& name) const { return dir_.path() / name; }
  std::vector<std::string> argv(const std::string& out_name) const {
    return {"/bin/sh", script().string(), out(out_name).string()};
  }
  std::string read(const std::string& name) const {
    std::ifstream in(out(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  ::test_support::TempDir dir_{"popfetchd-hooks-"};
};

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

class HookRunnerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    runner_.reset();
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
  }
  void make(std::chrono::milliseconds limit = kHookTimeLimit) {
    runner_ = std::make_unique<HookRunner>(&loop_, limit);
    runner_->set_on_finished([this](const HookResult& result) { results_.push_back(result); });
  }
  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  std::unique_ptr<HookRunner> runner_;
  std::vector<HookResult> results_;
  HookFiles files_;
};

TEST_F(HookRunnerTest, TheHookGetsItsVariablesAndNoPasswordVariable) {
  ::setenv("HOOK_TEST_SECRET", "hunter2", 1);
  make();
  HookCall call;
  call.account = "alice";
  call.event = HookEvent::Failing;
  call.error = "authentication failed:\n-ERR [AUTH] bad\tpassword";
  runner_->run(files_.argv("env"), call, {"HOOK_TEST_SECRET"});
  EXPECT_EQ(runner_->running(), 1u);
  ASSERT_TRUE(run_until(&loop_, [&] { return results_.size() == 1; }));
  ::unsetenv("HOOK_TEST_SECRET");
  EXPECT_TRUE(results_[0].ok());
  EXPECT_EQ(results_[0].first_line, "hook says hello");
  EXPECT_EQ(files_.read("env"),
            "event=failing account=alice new=0\n"
            "error=authentication failed: -ERR [AUTH] bad password\n"
            "secret=unset path=set\n");
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(HookRunnerTest, AHangingHookIsKilledAtTheTimeLimit) {
  make(std::chrono::milliseconds{50});
  const auto started = std::chrono::steady_clock::now();
  runner_->run({"/bin/sleep", "60"}, HookCall{"bob", HookEvent::NewMail, 2, ""}, {});
  ASSERT_TRUE(run_until(&loop_, [&] { return results_.size() == 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{10});
  EXPECT_TRUE(results_[0].timed_out);
  EXPECT_EQ(results_[0].term_signal, SIGKILL);
  EXPECT_FALSE(results_[0].ok());
}

TEST_F(HookRunnerTest, AProgramThatCannotStartIsReportedNotFatal) {
  make();
  runner_->run({"/nonexistent/hook"}, HookCall{"bob", HookEvent::Recovered, 0, ""}, {});
  ASSERT_TRUE(run_until(&loop_, [&] { return results_.size() == 1; }));
  EXPECT_FALSE(results_[0].started);
  EXPECT_NE(results_[0].first_line.find("cannot run /nonexistent/hook"), std::string::npos)
      << results_[0].first_line;
}

TEST_F(HookRunnerTest, DestroyingTheRunnerKillsAHookStillRunning) {
  make();
  runner_->run({"/bin/sleep", "60"}, HookCall{"bob", HookEvent::NewMail, 1, ""}, {});
  ASSERT_TRUE(run_until(&loop_, [&] { return true; }));
  runner_.reset();
  const auto started = std::chrono::steady_clock::now();
  uv_run(&loop_, UV_RUN_DEFAULT);  // returns once the killed child was reaped
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{10});
  EXPECT_TRUE(results_.empty());
}

class SchedulerHooksTest : public SchedulerTest {
 protected:
  void TearDown() override {
    scheduler_.reset();
    hooks_.reset();
    SchedulerTest::TearDown();
  }
  void make_with_hooks() {
    make();
    hooks_ = std::make_unique<HookRunner>(&loop_);
    hooks_->set_on_finished([this](const HookResult& result) { results_.push_back(result); });
    scheduler_->set_hooks(hooks_.get());
  }
  config::Account hooked(const std::string& name) {
    config::Account a = account(name);
    a.on_failure = files_.argv(name + ".failure");
    a.on_new_mail = files_.argv(name + ".new_mail");
    return a;
  }
  std::unique_ptr<HookRunner> hooks_;
  std::vector<HookResult> results_;
  HookFiles files_;
};

TEST_F(SchedulerHooksTest, FailingThenRecoveredRunOnceEachAndNewMailWithItsCount) {
  make_with_hooks();
  polls_->script([](const fetch::PollOptions& options, int attempt) {
    if (attempt < 3) {
      return FakePolls::failed_report(options.account.name, common::ErrorKind::Io,
                                      "connection refused by 127.0.0.1:1");
    }
    return FakePolls::ok_report(options.account.name, attempt == 3 ? 3 : 0);
  });
  scheduler_->start(config_with({hooked("a")}));
  ASSERT_TRUE(run_until(&loop_, [&] { return health("a")->last_success_at > 0 && results_.size() == 3; }));
  // One more good poll without new mail: no hook.
  scheduler_->request_poll(std::string("a"));
  ASSERT_TRUE(run_until(&loop_, [&] { return health("a")->polls_total == 5 && hooks_->running() == 0; }));
  EXPECT_EQ(results_.size(), 3u);

  const std::string failure = files_.read("a.failure");
  EXPECT_EQ(count_of(failure, "event=failing account=a new=0\nerror=connection refused by 127.0.0.1:1\n"), 1u)
      << failure;
  EXPECT_EQ(count_of(failure, "event=recovered account=a new=0\nerror=\n"), 1u) << failure;
  EXPECT_EQ(count_of(failure, "event="), 2u) << failure;
  EXPECT_EQ(files_.read("a.new_mail"), "event=new_mail account=a new=3\nerror=\nsecret=unset path=set\n");
}

TEST_F(SchedulerHooksTest, APasswordThatCannotBeReadIsAFailureToo) {
  make_with_hooks();
  config::Account a = hooked("a");
  a.password.value = "broken";  // the fixture's resolver fails it
  scheduler_->start(config_with({a}));
  ASSERT_TRUE(run_until(&loop_, [&] { return results_.size() == 1; }));
  EXPECT_NE(files_.read("a.failure").find("event=failing account=a"), std::string::npos);
  EXPECT_NE(files_.read("a.failure").find("error=password: password_file /x/broken is missing"), std::string::npos)
      << files_.read("a.failure");
}

}  // namespace
}  // namespace popfetchd::daemon
