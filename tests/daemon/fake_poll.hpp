#pragma once
// Fake polls for the runner, scheduler and service tests: a PollFactory whose
// polls record what they were started with and finish when the test says so
// (or on their own on the next loop turns, with a scripted report). Like
// fetch::AccountPoll they deliver their report as their very last action and
// tolerate being destroyed inside that call.
//
// Also run_until(): drives a uv loop until a condition holds; the deadline
// only bounds a broken test, no test waits for it.

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/uv.hpp"
#include "fetch/poll_runner.hpp"

namespace popfetchd::daemon::test_support {

using fetch::Poll;
using fetch::PollDone;
using fetch::PollFactory;

inline constexpr std::chrono::milliseconds kBrokenTestDeadline{10'000};

// Runs `loop` one turn at a time until `done()` or the deadline; returns done().
inline bool run_until(uv_loop_t* loop, const std::function<bool()>& done,
                      std::chrono::milliseconds deadline = kBrokenTestDeadline) {
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  // A timer keeps each turn bounded even when nothing else is pending.
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(
      &tick, [](uv_timer_t*) {}, 5, 5);
  uv_unref(reinterpret_cast<uv_handle_t*>(&tick));  // so !uv_loop_alive() can be the condition
  while (!done() && std::chrono::steady_clock::now() < give_up) uv_run(loop, UV_RUN_ONCE);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);
  return done();
}

class FakePolls {
 public:
  // What a poll started with; copyable (PollOptions is move-only) so tests
  // can keep the list of starts.
  struct Started {
    fetch::PollOptions options;
    explicit Started(const fetch::PollOptions& started) : options(started.duplicate()) {}
    Started(const Started& other) : options(other.options.duplicate()) {}
    Started& operator=(const Started& other) {
      options = other.options.duplicate();
      return *this;
    }
  };
  // How a poll of an account ends when it ends by itself.
  using Script = std::function<fetch::PollReport(const fetch::PollOptions& options, int attempt)>;

  explicit FakePolls(uv_loop_t* loop) : loop_(loop) {}

  PollFactory factory() {
    return [this](fetch::PollOptions options, PollDone done) -> std::unique_ptr<Poll> {
      return std::make_unique<FakePoll>(*this, std::move(options), std::move(done));
    };
  }

  // Polls of `account` stay running until finish() (or stop(), when
  // `honour_stop`); others end on their own on the next loop turn.
  void hold(const std::string& account, bool honour_stop = true) { held_[account] = honour_stop; }
  void release(const std::string& account) { held_.erase(account); }
  void script(Script script) { script_ = std::move(script); }

  // Ends the running poll of `account` with `report`; false when none runs.
  bool finish(const std::string& account, fetch::PollReport report);

  const std::vector<Started>& started() const { return started_; }
  int starts_of(const std::string& account) const {
    int count = 0;
    for (const Started& s : started_) count += s.options.account.name == account ? 1 : 0;
    return count;
  }
  std::vector<Started> starts_for(const std::string& account) const {
    std::vector<Started> found;
    for (const Started& s : started_) {
      if (s.options.account.name == account) found.push_back(s);
    }
    return found;
  }
  std::size_t running() const { return live_.size(); }
  std::size_t max_running() const { return max_running_; }
  int stops() const { return stops_; }
  // A second poll of an account started while one was running.
  bool overlap_seen() const { return overlap_; }
  bool is_running(const std::string& account) const { return live_.count(account) > 0; }

  static fetch::PollReport ok_report(const std::string& account, std::uint64_t new_messages = 0) {
    fetch::PollReport report;
    report.account = account;
    report.new_messages = new_messages;
    report.new_bytes = new_messages * 100;
    report.finished_at = 1;
    return report;
  }
  static fetch::PollReport failed_report(const std::string& account, common::ErrorKind kind,
                                         std::string message,
                                         fetch::RetryHint retry = fetch::RetryHint::Normal) {
    fetch::PollReport report = ok_report(account);
    report.error = common::make_error(kind, std::move(message));
    report.retry = retry;
    return report;
  }

 private:
  class FakePoll final : public Poll {
   public:
    FakePoll(FakePolls& owner, fetch::PollOptions options, PollDone done)
        : owner_(owner), options_(std::move(options)), done_(std::move(done)) {}
    ~FakePoll() override {
      if (owner_.live_.count(options_.account.name) > 0 && owner_.live_[options_.account.name] == this) {
        owner_.live_.erase(options_.account.name);
      }
    }

    void start() override {
      const std::string& name = options_.account.name;
      if (owner_.live_.count(name) > 0) owner_.overlap_ = true;
      owner_.live_[name] = this;
      owner_.max_running_ = std::max(owner_.max_running_, owner_.live_.size());
      const int attempt = owner_.starts_of(name);
      owner_.started_.emplace_back(options_);
      if (owner_.held_.count(name) > 0) return;
      fetch::PollReport report = owner_.script_ ? owner_.script_(options_, attempt) : ok_report(name);
      finish_later(std::move(report));
    }

    void stop() override {
      ++owner_.stops_;
      auto held = owner_.held_.find(options_.account.name);
      if (held != owner_.held_.end() && !held->second) return;  // a poll that ignores stop()
      finish_later(failed_report(options_.account.name, common::ErrorKind::Aborted, "stopped"));
    }

    // Delivers the report as the last action; the runner destroys us inside.
    void finish_now(fetch::PollReport report) {
      if (delivered_) return;
      delivered_ = true;
      if (report.account.empty()) report.account = options_.account.name;
      owner_.live_.erase(options_.account.name);
      PollDone done = std::move(done_);
      done(std::move(report));
    }

   private:
    void finish_later(fetch::PollReport report) {
      pending_ = std::move(report);
      if (!timer_) {
        timer_ = net::make_timer(owner_.loop_);
        timer_->data = this;
      }
      uv_timer_start(
          timer_.get(),
          [](uv_timer_t* timer) {
            auto* self = static_cast<FakePoll*>(timer->data);
            self->finish_now(std::move(*self->pending_));
          },
          0, 0);
    }

    FakePolls& owner_;
    fetch::PollOptions options_;
    PollDone done_;
    std::optional<fetch::PollReport> pending_;
    net::UvHandlePtr<uv_timer_t> timer_;
    bool delivered_ = false;
  };

  uv_loop_t* loop_;
  Script script_;
  std::map<std::string, bool> held_;
  std::map<std::string, FakePoll*> live_;
  std::vector<Started> started_;
  std::size_t max_running_ = 0;
  int stops_ = 0;
  bool overlap_ = false;
};

inline bool FakePolls::finish(const std::string& account, fetch::PollReport report) {
  auto it = live_.find(account);
  if (it == live_.end()) return false;
  it->second->finish_now(std::move(report));
  return true;
}

}  // namespace popfetchd::daemon::test_support
