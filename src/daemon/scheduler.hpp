#pragma once
// Scheduler: when each account polls. One libuv timer per account; each
// account polls on its poll_interval with +-10 % jitter, its first poll soon
// after start (spread by StartSpread, start_spread.hpp: a short window when
// the batch can start at once, over up to the first interval when it is
// larger than the runner's cap), and backs off after failures by the rules in
// backoff.hpp. Polls go through the shared PollRunner, which caps how many
// run at once; an account is never polled twice at the same time (a request
// that arrives while it is busy becomes one more poll right after).
//
// Per account it also remembers:
//   - the resolved password (read on the thread pool before the first poll,
//     again after an authentication failure, and after a reload; an account
//     whose password cannot be read is a failed attempt with a clear
//     last_error, retried with backoff — never a crash);
//   - pipelining trouble: a poll that failed with commands pipelined makes
//     the next one run without pipelining; after it succeeds pipelining is
//     used again, unless it failed that way twice, then it stays off until
//     the account's settings change;
//   - the server's LOGIN-DELAY, which stretches the interval;
//   - how long it has failed to reach its server: a failed poll is logged at
//     warning, an hour of them once at err (OutageWatch);
//   - its running poll's progress and its AccountHealth for /health,
//     /metrics and the STATUS= line.
//
// Owns the per-account timers and state. Never opens a connection or the
// archive itself (the runner's polls do), never blocks the loop (passwords
// are read on the thread pool), never logs a password. Every log line names
// its account. Not thread-safe: the loop's thread only.
// Errors: none returned; failures of polls are recorded in the health state.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/backoff.hpp"
#include "daemon/hook_runner.hpp"
#include "daemon/outage_watch.hpp"
#include "daemon/password_lookup.hpp"
#include "daemon/poll_gate.hpp"
#include "daemon/reload_diff.hpp"
#include "net/uv.hpp"
#include "fetch/poll_runner.hpp"
#include "health/poll_request.hpp"
#include "health/state.hpp"
#include "store/archive.hpp"

namespace popfetchd::daemon {

struct SchedulerTuning {
  BackoffPolicy backoff;
  // First polls (StartSpread): a batch that can start at once spreads over
  // min(per_account * accounts, max, interval / 10); a larger one over
  // min(interval, waves * start_wave).
  Millis start_spread_per_account{20};
  Millis max_start_spread{10'000};
  Millis start_wave{2'000};
  // Timer durations are multiplied by this; tests shrink time with it
  // (0.001 turns a 30 s backoff into 30 ms). 1.0 in the daemon.
  double time_scale = 1.0;
  // An account failing to reach its server (outage_watch.hpp) this long is
  // logged at err once; scaled by time_scale like the timers.
  Millis outage_error_after = kOutageErrorAfter;
  // Seed for the jitter; 0 picks a random one.
  std::uint64_t seed = 0;
};

class Scheduler {
 public:
  Scheduler(uv_loop_t* loop, fetch::PollRunner& runner, PasswordResolver resolver,
            SchedulerTuning tuning = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  // Closes the timers. Lookups still on the thread pool are ignored when they
  // answer; the runner's polls belong to the runner.
  ~Scheduler();

  // Takes the accounts and schedules their first polls.
  void start(const config::Config& config);

  // Applies a reloaded, valid config: `diff` is diff_accounts(old, new).
  // Added accounts poll soon; removed ones finish a running poll and then
  // disappear; changed ones take the new settings at their next poll (one in
  // flight keeps the settings it started with). Every account reads its
  // password again before its next poll (keeping the old one, with a warning,
  // if the unchanged source fails now), and accounts held after a
  // permanent failure are released; those held after a rejected password
  // only when their settings changed (the same settings would send the same
  // password again).
  void apply(const config::Config& config, const AccountsDiff& diff);

  // POST /poll[/<account>], SIGUSR1: poll now (all accounts: spread over the
  // start window). Also releases a permanent-failure hold. An account held
  // after a rejected password is retried at most once per the policy's
  // manual_retry_after_auth_failure: RateLimited otherwise (for all
  // accounts: when every one was refused), and it stays held.
  health::PollRequest request_poll(const std::optional<std::string>& account);

  // Shutdown: no new polls; queued ones are dropped, running ones stopped
  // (they finish their current message, commit and QUIT). `on_finished` runs
  // once no poll is running — possibly before this returns.
  void shutdown(std::function<void()> on_finished);
  // Hard close after the grace period: destroys the running polls and then
  // runs the shutdown's `on_finished`.
  void abandon_running();
  bool shutting_down() const { return shutting_down_; }

  // Archive totals (messages and bytes stored per account) from
  // store::Archive::totals(), at start and after a reload. Between those the
  // scheduler adds what each poll stored, so /health never runs a full
  // count over the archive.
  void set_archive_totals(const std::vector<store::AccountTotals>& totals);

  // Called after anything visible changed (a poll started or ended, a
  // password lookup failed): the daemon refreshes STATUS= from it.
  void set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

  // Where the accounts' hooks run (nullptr: none run). An account's
  // on_failure runs once when it turns from healthy (no failure since its
  // last success, or since the start) to failing, and once when a poll
  // succeeds again after that; on_new_mail after each poll that stored new
  // messages (a failed poll too, for what it stored before failing).
  void set_hooks(HookRunner* hooks) { hooks_ = hooks; }

  // Asked before each poll (nullptr, the default: every poll goes ahead). An
  // account the gate says another daemon polls is not polled and not failed:
  // it is looked at again at its next due time (scheduler_gate.cpp).
  void set_poll_gate(PollGate* gate) { gate_ = gate; }

  // The accounts' health, in config order (removed accounts still finishing
  // a poll last).
  std::vector<health::AccountHealth> health() const;
  std::size_t account_count() const { return slots_.size(); }
  std::size_t pending_password_lookups() const { return pending_lookups_; }

 private:
  // An account the reload removed: gone now, or once its running poll ends.
  void retire(const std::string& name);
  struct Slot;

  Slot& add_slot(const config::Account& account);
  Slot* find(std::string_view name) const;
  void erase(Slot& slot);
  void reorder(const std::vector<config::Account>& accounts);

  void arm(Slot& slot, Millis delay);
  // `batch`: how many accounts get their first poll together (StartSpread).
  void arm_first_poll(Slot& slot, std::size_t batch);
  void disarm(Slot& slot);
  static void on_timer(uv_timer_t* timer);

  static bool auth_held(const Slot& slot);
  // True when a manual request may poll `slot` now (recording it when that
  // lifts an authentication hold); false, with a warning, when rate-limited.
  bool take_manual_retry(Slot& slot);
  void attempt(Slot& slot);  // the timer fired or a poll was requested
  // False when the gate keeps `slot` from polling now (rescheduled, or failed).
  bool pass_gate(Slot& slot);
  void read_password(Slot& slot);
  void on_password(Slot& slot, const config::PasswordSource& source, common::Result<common::Secret> password);
  void submit(Slot& slot);
  void on_poll_done(Slot& slot, fetch::PollReport report);
  void record_success(Slot& slot);  // the poll succeeded: failures, holds and the outage end
  void record_failure(Slot& slot, const common::Error& error, fetch::RetryHint retry);
  struct Scheduled {
    NextPollReason reason;
    Millis delay;  // after jitter
  };
  Scheduled schedule_after(Slot& slot, const AttemptOutcome& outcome);
  void maybe_finish_shutdown();
  void changed();
  void run_hook(const Slot& slot, HookEvent event, std::uint64_t new_messages);

  Millis interval_of(const Slot& slot) const;
  double random_unit();      // [-1, 1]
  double random_fraction();  // [0, 1)

  uv_loop_t* loop_;
  fetch::PollRunner& runner_;
  PasswordResolver resolver_;
  SchedulerTuning tuning_;
  std::mt19937_64 random_;
  std::string database_path_;

  std::vector<std::unique_ptr<Slot>> slots_;  // config order
  std::size_t pending_lookups_ = 0;
  bool shutting_down_ = false;
  std::function<void()> on_finished_;
  std::function<void()> on_change_;
  HookRunner* hooks_ = nullptr;
  PollGate* gate_ = nullptr;
  std::vector<std::string> withheld_env_;  // Config::password_env_names
  // Lookups answering after the scheduler is gone see this expired.
  std::shared_ptr<Scheduler*> alive_;
};

}  // namespace popfetchd::daemon
