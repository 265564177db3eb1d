// PollRunner: the concurrency cap, the cap per server, the FIFO queue, one
// poll per account, stop_all() and abandon(), with fake polls on a real uv
// loop.

#include "fetch/poll_runner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fake_poll.hpp"
#include "net/uv.hpp"

namespace popfetchd::daemon {
namespace {

using fetch::Poll;
using fetch::PollDone;
using fetch::PollRunner;

using test_support::FakePolls;
using test_support::run_until;

fetch::PollOptions options_for(const std::string& name) {
  fetch::PollOptions options;
  options.account.name = name;
  options.password = common::Secret("pw-" + name);
  return options;
}

fetch::PollOptions options_on(const std::string& name, const std::string& server, std::uint16_t port = 995) {
  fetch::PollOptions options = options_for(name);
  options.account.server = server;
  options.account.port = port;
  return options;
}

constexpr const char* kServerA = "pop.a.example:995";
constexpr const char* kServerB = "pop.b.example:995";

class PollRunnerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
  }

  PollRunner::Callbacks record(const std::string& name) {
    PollRunner::Callbacks callbacks;
    callbacks.on_started = [this, name] { started_.push_back(name); };
    callbacks.on_done = [this](fetch::PollReport report) { reports_.push_back(std::move(report)); };
    return callbacks;
  }

  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  std::vector<std::string> started_;
  std::vector<fetch::PollReport> reports_;
};

TEST_F(PollRunnerTest, CapsConcurrencyAndRunsTheQueueInOrder) {
  FakePolls polls(&loop_);
  {
    PollRunner runner(polls.factory(), 3);
    for (int i = 0; i < 10; ++i) {
      const std::string name = "acct" + std::to_string(i);
      ASSERT_TRUE(runner.submit(options_for(name), record(name)));
    }
    EXPECT_EQ(runner.running_count(), 3u);
    EXPECT_EQ(runner.queued_count(), 7u);
    ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 10; }));
    EXPECT_EQ(polls.max_running(), 3u);
    EXPECT_EQ(runner.peak_running(), 3u);
    EXPECT_FALSE(polls.overlap_seen());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(started_[i], "acct" + std::to_string(i));
    EXPECT_EQ(polls.started()[0].options.password.reveal(), "pw-acct0");
  }
}

TEST_F(PollRunnerTest, OneAccountIsNeverQueuedOrRunTwice) {
  FakePolls polls(&loop_);
  polls.hold("a");
  PollRunner runner(polls.factory(), 1);
  ASSERT_TRUE(runner.submit(options_for("a"), record("a")));
  EXPECT_TRUE(runner.running("a"));
  EXPECT_FALSE(runner.submit(options_for("a"), record("a")));  // running
  ASSERT_TRUE(runner.submit(options_for("b"), record("b")));
  EXPECT_TRUE(runner.queued("b"));
  EXPECT_FALSE(runner.submit(options_for("b"), record("b")));  // queued
  ASSERT_TRUE(polls.finish("a", FakePolls::ok_report("a")));
  ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 2; }));
  EXPECT_FALSE(polls.overlap_seen());
  EXPECT_EQ(polls.starts_of("a"), 1);
  // Done: it may be submitted again.
  EXPECT_TRUE(runner.submit(options_for("a"), record("a")));
  ASSERT_TRUE(polls.finish("a", FakePolls::ok_report("a")));
  EXPECT_EQ(reports_.size(), 3u);
}

TEST_F(PollRunnerTest, CancelDropsOnlyQueuedPolls) {
  FakePolls polls(&loop_);
  polls.hold("a");
  PollRunner runner(polls.factory(), 1);
  ASSERT_TRUE(runner.submit(options_for("a"), record("a")));
  ASSERT_TRUE(runner.submit(options_for("b"), record("b")));
  EXPECT_FALSE(runner.cancel("a"));  // running: not cancellable
  EXPECT_TRUE(runner.cancel("b"));
  EXPECT_FALSE(runner.queued("b"));
  ASSERT_TRUE(polls.finish("a", FakePolls::ok_report("a")));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls.starts_of("b"), 0);
  EXPECT_EQ(reports_.size(), 1u);
}

TEST_F(PollRunnerTest, RaisingTheCapStartsQueuedPolls) {
  FakePolls polls(&loop_);
  for (const char* name : {"a", "b", "c"}) polls.hold(name);
  PollRunner runner(polls.factory(), 1);
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(runner.submit(options_for(name), record(name)));
  EXPECT_EQ(runner.running_count(), 1u);
  runner.set_max_concurrent(5);
  EXPECT_EQ(runner.running_count(), 3u);
  runner.set_max_concurrent(0);
  EXPECT_EQ(runner.max_concurrent(), 1u);  // at least one
  runner.stop_all();
  ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 3; }));
}

// Providers that limit sessions per client address: five accounts on A with
// a cap of 2 never run more than two at once there, and B's accounts, queued
// behind them, start at once instead of waiting for A's queue.
TEST_F(PollRunnerTest, CapsPollsPerServerWithoutHoldingUpOtherServers) {
  FakePolls polls(&loop_);
  const std::vector<std::string> on_a = {"a1", "a2", "a3", "a4", "a5"};
  for (const std::string& name : on_a) polls.hold(name);
  for (const char* name : {"b1", "b2"}) polls.hold(name);
  PollRunner runner(polls.factory(), 64, 2);
  std::size_t most_on_a = 0;
  auto watch = [&](const std::string& name) {
    PollRunner::Callbacks callbacks = record(name);
    callbacks.on_started = [&, name] {
      started_.push_back(name);
      most_on_a = std::max(most_on_a, runner.running_on(kServerA));
    };
    return callbacks;
  };
  // Upper case in one of them: the same provider.
  for (const std::string& name : on_a) {
    ASSERT_TRUE(runner.submit(options_on(name, name == "a4" ? "POP.A.Example" : "pop.a.example"), watch(name)));
  }
  for (const char* name : {"b1", "b2"}) ASSERT_TRUE(runner.submit(options_on(name, "pop.b.example"), watch(name)));
  EXPECT_EQ(started_, (std::vector<std::string>{"a1", "a2", "b1", "b2"}));
  EXPECT_EQ(runner.running_on(kServerA), 2u);
  EXPECT_EQ(runner.running_on(kServerB), 2u);
  EXPECT_EQ(runner.queued_count(), 3u);

  // A finished poll on A frees A's slot: the next queued A starts.
  ASSERT_TRUE(polls.finish("a1", FakePolls::ok_report("a1")));
  EXPECT_EQ(started_.back(), "a3");
  // A finished poll on B frees nothing on A.
  ASSERT_TRUE(polls.finish("b1", FakePolls::ok_report("b1")));
  EXPECT_EQ(started_.size(), 5u);
  EXPECT_TRUE(runner.queued("a4"));

  for (const std::string& name : on_a) polls.release(name);
  for (const char* name : {"a2", "a3", "b2"}) ASSERT_TRUE(polls.finish(name, FakePolls::ok_report(name)));
  ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 7; }));
  EXPECT_EQ(most_on_a, 2u);
  EXPECT_EQ(runner.running_on(kServerA), 0u);
  EXPECT_EQ(started_, (std::vector<std::string>{"a1", "a2", "b1", "b2", "a3", "a4", "a5"}));
}

TEST_F(PollRunnerTest, ZeroMeansNoCapPerServer) {
  FakePolls polls(&loop_);
  for (int i = 0; i < 5; ++i) polls.hold("a" + std::to_string(i));
  PollRunner runner(polls.factory(), 64, 2);
  for (int i = 0; i < 5; ++i) {
    const std::string name = "a" + std::to_string(i);
    ASSERT_TRUE(runner.submit(options_on(name, "pop.a.example"), record(name)));
  }
  EXPECT_EQ(runner.running_count(), 2u);
  runner.set_max_per_server(0);  // only max_concurrent applies
  EXPECT_EQ(runner.max_per_server(), 0u);
  EXPECT_EQ(runner.running_count(), 5u);
  EXPECT_EQ(runner.running_on(kServerA), 5u);
  runner.stop_all();
  ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 5; }));
}

// Lowering the cap stops nothing: the running polls finish and no new one
// starts on that server until it is below the new cap; raising it starts
// queued ones at once.
TEST_F(PollRunnerTest, LoweringAndRaisingThePerServerCap) {
  FakePolls polls(&loop_);
  for (int i = 1; i <= 5; ++i) polls.hold("a" + std::to_string(i));
  PollRunner runner(polls.factory(), 64, 3);
  for (int i = 1; i <= 5; ++i) {
    const std::string name = "a" + std::to_string(i);
    ASSERT_TRUE(runner.submit(options_on(name, "pop.a.example"), record(name)));
  }
  EXPECT_EQ(runner.running_count(), 3u);
  runner.set_max_per_server(1);
  EXPECT_EQ(runner.running_count(), 3u);
  EXPECT_EQ(polls.stops(), 0);
  ASSERT_TRUE(polls.finish("a1", FakePolls::ok_report("a1")));
  ASSERT_TRUE(polls.finish("a2", FakePolls::ok_report("a2")));
  EXPECT_EQ(runner.running_count(), 1u);  // a3 alone: at the new cap
  ASSERT_TRUE(polls.finish("a3", FakePolls::ok_report("a3")));
  EXPECT_EQ(started_, (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  runner.set_max_per_server(2);
  EXPECT_EQ(started_.back(), "a5");
  EXPECT_EQ(runner.running_on(kServerA), 2u);
  runner.stop_all();
  ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 5; }));
}

// The global cap still binds: the first polls in the queue whose servers
// have room take the global slots.
TEST_F(PollRunnerTest, TheGlobalCapStillAppliesWithACapPerServer) {
  FakePolls polls(&loop_);
  const std::vector<std::pair<std::string, std::string>> accounts = {
      {"a1", "pop.a.example"}, {"a2", "pop.a.example"}, {"a3", "pop.a.example"},
      {"b1", "pop.b.example"}, {"b2", "pop.b.example"}};
  for (const auto& [name, server] : accounts) polls.hold(name);
  PollRunner runner(polls.factory(), 3, 2);
  for (const auto& [name, server] : accounts) ASSERT_TRUE(runner.submit(options_on(name, server), record(name)));
  EXPECT_EQ(started_, (std::vector<std::string>{"a1", "a2", "b1"}));
  ASSERT_TRUE(polls.finish("b1", FakePolls::ok_report("b1")));
  EXPECT_EQ(started_.back(), "b2");  // a3 is passed over: A is at its cap
  runner.stop_all();
  ASSERT_TRUE(run_until(&loop_, [&] { return runner.running_count() == 0; }));
}

// The same host on another port is another server (another listener, maybe
// another service); nothing resolves names.
TEST_F(PollRunnerTest, AServerIsTheLowerCasedHostAndItsPort) {
  config::Account account;
  account.server = "POP.Example.COM";
  account.port = 995;
  EXPECT_EQ(fetch::server_key(account), "pop.example.com:995");
  FakePolls polls(&loop_);
  polls.hold("tls");
  polls.hold("plain");
  PollRunner runner(polls.factory(), 64, 1);
  ASSERT_TRUE(runner.submit(options_on("tls", "pop.example.com", 995), record("tls")));
  ASSERT_TRUE(runner.submit(options_on("plain", "pop.example.com", 110), record("plain")));
  EXPECT_EQ(runner.running_count(), 2u);
  runner.stop_all();
  ASSERT_TRUE(run_until(&loop_, [&] { return reports_.size() == 2; }));
}

TEST_F(PollRunnerTest, StopAllStopsRunningDropsQueuedAndRefusesNew) {
  FakePolls polls(&loop_);
  polls.hold("a");
  polls.hold("b");
  PollRunner runner(polls.factory(), 2);
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(runner.submit(options_for(name), record(name)));
  runner.stop_all();
  EXPECT_EQ(polls.stops(), 2);
  EXPECT_EQ(runner.queued_count(), 0u);
  EXPECT_FALSE(runner.submit(options_for("d"), record("d")));
  ASSERT_TRUE(run_until(&loop_, [&] { return runner.running_count() == 0; }));
  ASSERT_EQ(reports_.size(), 2u);
  for (const auto& report : reports_) {
    ASSERT_TRUE(report.error.has_value());
    EXPECT_EQ(report.error->kind, common::ErrorKind::Aborted);
  }
  EXPECT_EQ(polls.starts_of("c"), 0);
}

TEST_F(PollRunnerTest, AbandonDestroysRunningPollsWithoutReports) {
  FakePolls polls(&loop_);
  polls.hold("a", /*honour_stop=*/false);
  PollRunner runner(polls.factory(), 2);
  ASSERT_TRUE(runner.submit(options_for("a"), record("a")));
  runner.stop_all();
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(runner.running_count(), 1u);  // ignores stop()
  runner.abandon();
  EXPECT_EQ(runner.running_count(), 0u);
  EXPECT_EQ(polls.running(), 0u);
  EXPECT_TRUE(reports_.empty());
}

TEST_F(PollRunnerTest, APollFinishingInsideStartDoesNotRecurse) {
  // Polls that end inside start() (e.g. the account lock is taken): the
  // queue drains in one pass and every report arrives. All on one server
  // with a cap of 1: each one frees the server's slot for the next.
  std::vector<fetch::PollReport> reports;
  class Instant final : public Poll {
   public:
    Instant(std::string name, PollDone done) : name_(std::move(name)), done_(std::move(done)) {}
    void start() override {
      PollDone done = std::move(done_);
      done(FakePolls::failed_report(name_, common::ErrorKind::TempFail, "locked"));
    }
    void stop() override {}

   private:
    std::string name_;
    PollDone done_;
  };
  PollRunner runner(
      [](fetch::PollOptions options, PollDone done) -> std::unique_ptr<Poll> {
        return std::make_unique<Instant>(options.account.name, std::move(done));
      },
      2, 1);
  for (int i = 0; i < 200; ++i) {
    PollRunner::Callbacks callbacks;
    callbacks.on_done = [&](fetch::PollReport report) { reports.push_back(std::move(report)); };
    ASSERT_TRUE(runner.submit(options_on("x" + std::to_string(i), "pop.one.example"), std::move(callbacks)));
  }
  EXPECT_EQ(reports.size(), 200u);
  EXPECT_EQ(runner.running_count(), 0u);
  EXPECT_EQ(runner.queued_count(), 0u);
}

TEST_F(PollRunnerTest, OnDoneMaySubmitAFollowUp) {
  FakePolls polls(&loop_);
  PollRunner runner(polls.factory(), 1);
  int follow_ups = 0;
  std::function<PollRunner::Callbacks()> callbacks = [&] {
    PollRunner::Callbacks c;
    c.on_done = [&](fetch::PollReport) {
      if (++follow_ups < 3) {
        EXPECT_TRUE(runner.submit(options_for("a"), callbacks()));
      }
    };
    return c;
  };
  ASSERT_TRUE(runner.submit(options_for("a"), callbacks()));
  ASSERT_TRUE(run_until(&loop_, [&] { return follow_ups == 3; }));
  EXPECT_EQ(polls.starts_of("a"), 3);
  EXPECT_FALSE(polls.overlap_seen());
}

// poll-once's loop: a first import bigger than the per-poll cap goes on until
// the mailbox is done (it stopped after the first 20,000 messages).
TEST_F(PollRunnerTest, SubmitUntilDonePollsAgainWhileMoreIsPending) {
  FakePolls polls(&loop_);
  polls.script([](const fetch::PollOptions& options, int attempt) {
    fetch::PollReport report = FakePolls::ok_report(options.account.name, 10);
    report.deleted = 10;
    report.elapsed_ms = 100;
    report.more_pending = attempt < 2;
    return report;
  });
  PollRunner runner(polls.factory(), 1);
  int started = 0;
  PollRunner::Callbacks callbacks;
  callbacks.on_started = [&] { ++started; };
  callbacks.on_done = [this](fetch::PollReport report) { reports_.push_back(std::move(report)); };
  ASSERT_TRUE(fetch::submit_until_done(runner, options_for("big"), std::move(callbacks)));
  ASSERT_TRUE(run_until(&loop_, [&] { return !reports_.empty(); }));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls.starts_of("big"), 3);
  EXPECT_EQ(started, 3);
  for (const auto& start : polls.starts_for("big")) EXPECT_EQ(start.options.password.reveal(), "pw-big");
  EXPECT_FALSE(polls.overlap_seen());
  ASSERT_EQ(reports_.size(), 1u);  // one report for the whole mailbox
  EXPECT_TRUE(reports_[0].ok());
  EXPECT_FALSE(reports_[0].more_pending);
  EXPECT_EQ(reports_[0].new_messages, 30u);
  EXPECT_EQ(reports_[0].new_bytes, 3000u);
  EXPECT_EQ(reports_[0].deleted, 30u);
  EXPECT_EQ(reports_[0].elapsed_ms, 300u);
  EXPECT_EQ(reports_[0].summary(), "30 new (3.0 KB), 30 deleted");
}

TEST_F(PollRunnerTest, SubmitUntilDoneStopsAtTheFirstFailure) {
  FakePolls polls(&loop_);
  polls.script([](const fetch::PollOptions& options, int attempt) {
    if (attempt == 1) return FakePolls::failed_report(options.account.name, common::ErrorKind::Io, "reset");
    fetch::PollReport report = FakePolls::ok_report(options.account.name, 10);
    report.more_pending = true;
    return report;
  });
  PollRunner runner(polls.factory(), 1);
  PollRunner::Callbacks callbacks;
  callbacks.on_done = [this](fetch::PollReport report) { reports_.push_back(std::move(report)); };
  ASSERT_TRUE(fetch::submit_until_done(runner, options_for("big"), std::move(callbacks)));
  ASSERT_TRUE(run_until(&loop_, [&] { return !reports_.empty(); }));
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(polls.starts_of("big"), 2);
  ASSERT_EQ(reports_.size(), 1u);
  ASSERT_FALSE(reports_[0].ok());
  EXPECT_EQ(reports_[0].error->message, "reset");
  EXPECT_EQ(reports_[0].new_messages, 10u);  // what the first poll stored still counts
}

TEST_F(PollRunnerTest, SubmitUntilDoneEndsWhenTheRunnerStops) {
  FakePolls polls(&loop_);
  polls.hold("big");
  PollRunner runner(polls.factory(), 1);
  PollRunner::Callbacks callbacks;
  callbacks.on_done = [this](fetch::PollReport report) { reports_.push_back(std::move(report)); };
  ASSERT_TRUE(fetch::submit_until_done(runner, options_for("big"), std::move(callbacks)));
  runner.stop_all();
  fetch::PollReport partial = FakePolls::ok_report("big", 5);
  partial.more_pending = true;
  ASSERT_TRUE(polls.finish("big", partial));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(polls.starts_of("big"), 1);
  EXPECT_TRUE(reports_[0].more_pending);
}

}  // namespace
}  // namespace popfetchd::daemon
