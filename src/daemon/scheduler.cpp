// The scheduler: accounts, timers, one attempt (password, then the poll) and
// its outcome. Reloads, poll requests and shutdown: scheduler_requests.cpp.
#include "daemon/scheduler.hpp"

#include <string.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <unordered_set>
#include <utility>

#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "daemon/scheduler_slot.hpp"
#include "daemon/start_spread.hpp"
#include "fetch/token_refresh.hpp"

namespace popfetchd::daemon {

using scheduler_detail::kMaxErrorText;
using scheduler_detail::wall_now;

Scheduler::Scheduler(uv_loop_t* loop, fetch::PollRunner& runner, PasswordResolver resolver,
                     SchedulerTuning tuning)
    : loop_(loop),
      runner_(runner),
      resolver_(std::move(resolver)),
      tuning_(tuning),
      random_(tuning.seed != 0 ? tuning.seed : std::random_device{}()),
      alive_(std::make_shared<Scheduler*>(this)) {}

Scheduler::~Scheduler() {
  alive_.reset();
  // Polls still in the runner would report to slots that are gone.
  if (std::any_of(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->in_runner; })) {
    runner_.abandon();
  }
}

// --- accounts

Scheduler::Slot& Scheduler::add_slot(const config::Account& account) {
  auto slot = std::make_unique<Slot>();
  slot->owner = this;
  slot->account = account;
  slot->health.name = account.name;
  const double outage_ms = static_cast<double>(tuning_.outage_error_after.count()) * tuning_.time_scale;
  slot->outage = OutageWatch(Millis{std::llround(outage_ms)});
  auto* timer = new uv_timer_t;
  uv_timer_init(loop_, timer);
  timer->data = slot.get();
  slot->timer.reset(timer);
  slots_.push_back(std::move(slot));
  return *slots_.back();
}

Scheduler::Slot* Scheduler::find(std::string_view name) const {
  for (const auto& slot : slots_) {
    if (slot->name() == name) return slot.get();
  }
  return nullptr;
}

void Scheduler::erase(Slot& slot) {
  const std::string name = slot.name();
  auto it = std::find_if(slots_.begin(), slots_.end(),
                         [&](const auto& candidate) { return candidate.get() == &slot; });
  if (it == slots_.end()) return;
  uv_timer_stop(slot.timer.get());
  slots_.erase(it);  // closes the timer; libuv frees it a loop turn later
  common::log_info(name, "removed");
}

void Scheduler::reorder(const std::vector<config::Account>& accounts) {
  std::vector<std::unique_ptr<Slot>> ordered;
  ordered.reserve(slots_.size());
  for (const config::Account& account : accounts) {
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [&](const auto& slot) { return slot && slot->name() == account.name; });
    if (it != slots_.end()) ordered.push_back(std::move(*it));
  }
  for (auto& slot : slots_) {
    if (slot) ordered.push_back(std::move(slot));  // removed, still finishing a poll
  }
  slots_ = std::move(ordered);
}

void Scheduler::start(const config::Config& config) {
  database_path_ = config.database;
  withheld_env_ = config.password_env_names;
  for (const config::Account& account : config.accounts) add_slot(account);
  for (const auto& slot : slots_) arm_first_poll(*slot, slots_.size());
  changed();
}

void Scheduler::set_archive_totals(const std::vector<store::AccountTotals>& totals) {
  for (const auto& slot : slots_) {
    slot->health.messages_stored = 0;
    slot->health.bytes_stored = 0;
    for (const store::AccountTotals& row : totals) {
      if (row.account != slot->name()) continue;
      slot->health.messages_stored = static_cast<std::uint64_t>(std::max<std::int64_t>(0, row.messages));
      slot->health.bytes_stored = static_cast<std::uint64_t>(std::max<std::int64_t>(0, row.bytes));
    }
  }
  changed();
}

std::vector<health::AccountHealth> Scheduler::health() const {
  std::vector<health::AccountHealth> accounts;
  accounts.reserve(slots_.size());
  for (const auto& slot : slots_) {
    accounts.push_back(slot->health);
    if (slot->progress && slot->progress->has_plan()) {
      const fetch::ProgressFigures f = slot->progress->figures(uv_now(loop_));
      accounts.back().progress = health::ProgressHealth{f.messages_done, f.messages_total,   f.bytes_done,
                                                        f.bytes_total,   f.bytes_per_second, f.eta_seconds};
    }
  }
  return accounts;
}

// --- timers

Millis Scheduler::interval_of(const Slot& slot) const {
  return effective_interval(std::chrono::duration_cast<Millis>(slot.account.poll_interval),
                            slot.login_delay_s);
}

double Scheduler::random_unit() { return std::uniform_real_distribution<double>(-1.0, 1.0)(random_); }
double Scheduler::random_fraction() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }

void Scheduler::arm(Slot& slot, Millis delay) {
  const double scaled = std::max(0.0, static_cast<double>(delay.count()) * tuning_.time_scale);
  uv_timer_start(slot.timer.get(), &Scheduler::on_timer, static_cast<std::uint64_t>(std::llround(scaled)), 0);
  slot.health.next_poll_at = wall_now() + (delay.count() + 999) / 1000;
}

void Scheduler::arm_first_poll(Slot& slot, std::size_t batch) {
  const StartSpread spread(batch, runner_.max_concurrent(),
                           {tuning_.start_spread_per_account, tuning_.max_start_spread, tuning_.start_wave});
  const Millis delay = spread.delay(slot.name(), interval_of(slot), random_fraction());
  common::log_debug(slot.name(), "next poll " + describe_delay(delay));
  arm(slot, delay);
}

void Scheduler::disarm(Slot& slot) {
  uv_timer_stop(slot.timer.get());
  slot.health.next_poll_at = 0;
}

void Scheduler::on_timer(uv_timer_t* timer) {
  Slot& slot = *static_cast<Slot*>(timer->data);
  slot.owner->attempt(slot);
}

// --- one attempt: password, then the poll

void Scheduler::attempt(Slot& slot) {
  if (shutting_down_ || slot.removing) return;
  if (slot.busy()) {
    slot.poll_again = true;
    return;
  }
  disarm(slot);
  if (!pass_gate(slot)) return;
  // Access tokens expire within the hour: a token helper is asked before
  // every poll (it hands out its cached token while that is still good).
  if (fetch::refreshes_token(slot.account)) slot.password_stale = true;
  if (!slot.password || slot.password_stale) return read_password(slot);
  submit(slot);
}

void Scheduler::read_password(Slot& slot) {
  slot.resolving = true;
  ++pending_lookups_;
  std::weak_ptr<Scheduler*> alive = alive_;
  Slot* target = &slot;
  config::PasswordSource source = slot.account.password;
  // The slot is never erased while `resolving` is set, and the scheduler's
  // death expires `alive`: the pointer is valid whenever the answer is used.
  lookup_password(loop_, resolver_, source, [alive, target, source](common::Result<common::Secret> password) {
    if (auto self = alive.lock()) (*self)->on_password(*target, source, std::move(password));
  });
}

void Scheduler::on_password(Slot& slot, const config::PasswordSource& source,
                            common::Result<common::Secret> password) {
  slot.resolving = false;
  --pending_lookups_;
  if (shutting_down_) {
    changed();
    return;
  }
  if (slot.removing) {
    erase(slot);
    changed();
    return;
  }
  if (source != slot.account.password) {
    read_password(slot);  // a reload changed the source meanwhile
    return;
  }
  slot.poll_again = false;
  if (password) {
    slot.password = std::move(password).value();
    slot.password_from = source;
    slot.password_stale = false;
  } else if (slot.password && slot.password_stale && slot.password_from == source) {
    common::log_warn(slot.name(), "reading the password again failed (" + password.error().message +
                                      "); using the one read before");
    slot.password_stale = false;
  } else {
    slot.password.reset();
    ++slot.health.polls_total;
    record_failure(slot, common::make_error(password.error().kind, "password: " + password.error().message),
                   fetch::RetryHint::Normal);
    changed();
    return;
  }
  submit(slot);
}

void Scheduler::submit(Slot& slot) {
  fetch::PollOptions options;
  options.account = slot.account;
  options.password = slot.password->duplicate();  // the slot keeps its own for the next poll
  options.database_path = database_path_;
  options.force_pipelining_off = slot.pipelining.off();
  options.tls_sessions = slot.tls_sessions;
  slot.progress = std::make_shared<fetch::PollProgress>();
  options.progress = slot.progress;
  if (slot.pipelining.off()) {
    if (slot.pipelining.stays_off()) {
      common::log_debug(slot.name(), "polling without pipelining (it failed twice with this server)");
    } else {
      common::log_info(slot.name(),
                       "polling without pipelining (the last poll failed with commands pipelined)");
    }
  }
  Slot* target = &slot;
  fetch::PollRunner::Callbacks callbacks;
  callbacks.on_started = [this, target] {
    target->health.state = health::AccountHealth::State::Polling;
    changed();
  };
  callbacks.on_done = [this, target](fetch::PollReport report) { on_poll_done(*target, std::move(report)); };
  // Set before submit(): the poll may start and even finish inside it.
  slot.in_runner = true;
  slot.health.next_poll_at = wall_now();
  if (!runner_.submit(std::move(options), std::move(callbacks))) slot.in_runner = false;
}

void Scheduler::on_poll_done(Slot& slot, fetch::PollReport report) {
  slot.in_runner = false;
  slot.progress.reset();
  health::AccountHealth& health = slot.health;
  ++health.polls_total;
  health.poll_durations.observe(static_cast<double>(report.elapsed_ms) / 1000.0);
  health.last_poll_at = report.finished_at != 0 ? report.finished_at : wall_now();
  health.messages_fetched_total += report.new_messages;
  health.bytes_fetched_total += report.new_bytes;
  health.messages_stored += report.new_messages;
  health.bytes_stored += report.new_bytes;
  health.messages_skipped = report.skipped_oversize;
  if (report.login_delay_seconds) slot.login_delay_s = report.login_delay_seconds;
  const std::string& name = slot.name();
  const std::string took =
      std::to_string(report.elapsed_ms / 1000) + "." + std::to_string(report.elapsed_ms % 1000 / 100) + "s";

  const bool aborted_by_us =
      shutting_down_ && report.error && report.error->kind == common::ErrorKind::Aborted;
  if (report.ok() || aborted_by_us) {
    if (report.ok()) record_success(slot);
    health.state = health::AccountHealth::State::Idle;
    if (shutting_down_ || slot.removing) {
      common::log_info(name, "poll ended after " + took + ": " + report.summary());
    } else {
      AttemptOutcome outcome;
      outcome.ok = true;
      outcome.more_pending = report.more_pending;
      outcome.login_delay_s = slot.login_delay_s;
      const Scheduled next = schedule_after(slot, outcome);
      common::log_info(name, "poll done in " + took + ": " + report.summary() + "; next poll " +
                                 describe_delay(next.delay));
    }
  } else {
    slot.pipelining.on_failure(report.pipelining_suspect);
    if (report.pipelining_suspect) {
      if (slot.pipelining.stays_off()) {
        common::log_warn(name,
                         "the poll failed with commands pipelined again; pipelining stays off for this "
                         "account until its settings change");
      } else {
        common::log_warn(name,
                         "the poll failed with commands pipelined; the next poll runs without pipelining");
      }
    }
    if (report.new_messages > 0 || report.deleted > 0) {
      fetch::PollReport partial = report;
      partial.error.reset();
      common::log_info(
          name, "poll failed after " + took + "; before that it stored or deleted: " + partial.summary());
    }
    record_failure(slot, *report.error, report.retry);
  }

  if (report.new_messages > 0) run_hook(slot, HookEvent::NewMail, report.new_messages);
  if (slot.removing) {
    erase(slot);
  } else if (shutting_down_) {
    disarm(slot);
    health.state = health::AccountHealth::State::Idle;
  } else if (slot.poll_again) {
    slot.poll_again = false;
    // A request that came while this poll ran is answered by this poll when
    // the password was rejected: a retry at once is what the hold prevents.
    if (!auth_held(slot)) {
      slot.held = false;
      arm(slot, Millis{0});
    }
  }
  changed();
  maybe_finish_shutdown();
}

void Scheduler::record_success(Slot& slot) {
  health::AccountHealth& health = slot.health;
  if (std::exchange(slot.hook_failing, false)) run_hook(slot, HookEvent::Recovered, 0);
  health.consecutive_failures = 0;
  slot.outage.on_success();
  health.last_success_at = health.last_poll_at;
  health.last_error.reset();
  health.auth_failure = false;
  health.permanent_failure = false;
  const bool was_off = slot.pipelining.off();
  slot.pipelining.on_success();
  if (was_off && !slot.pipelining.off()) {
    common::log_info(slot.name(), "the poll without pipelining succeeded; the next poll may pipeline again");
  }
}

void Scheduler::record_failure(Slot& slot, const common::Error& error, fetch::RetryHint retry) {
  health::AccountHealth& health = slot.health;
  ++health.consecutive_failures;
  ++health.poll_failures_total;
  ++health.poll_failures_by_reason[static_cast<std::size_t>(health::failure_reason(error.kind))];
  health.last_error = common::sanitize(error.message, kMaxErrorText);
  health.auth_failure = retry == fetch::RetryHint::AuthFailed;
  health.permanent_failure = retry == fetch::RetryHint::Permanent;
  // The password may have been changed since it was read: read it again.
  if (retry == fetch::RetryHint::AuthFailed) slot.password.reset();
  if (!shutting_down_ && !std::exchange(slot.hook_failing, true)) run_hook(slot, HookEvent::Failing, 0);
  if (shutting_down_ || slot.removing) {
    common::log_warn(slot.name(), "poll failed (" + std::string(common::to_string(error.kind)) +
                                      "): " + common::sanitize(error.message, kMaxErrorText));
    return;
  }
  AttemptOutcome outcome;
  outcome.retry = retry;
  outcome.consecutive_failures = health.consecutive_failures;
  outcome.login_delay_s = slot.login_delay_s;
  const Scheduled next = schedule_after(slot, outcome);
  FailureNote note;
  note.account = slot.name();
  note.error_kind = common::to_string(error.kind);
  note.what = common::sanitize(error.message, kMaxErrorText);
  note.consecutive_failures = health.consecutive_failures;
  note.reason = next.reason;
  note.delay = next.delay;
  note.manual_retry_window = tuning_.backoff.manual_retry_after_auth_failure;
  const std::string line = describe_next_poll(note);
  if (next.reason == NextPollReason::AuthFailure || next.reason == NextPollReason::PermanentFailure) {
    common::log_error(slot.name(), line);
  } else if (const auto outage = slot.outage.on_failure(error.kind, uv_now(loop_))) {
    const double real_ms = static_cast<double>(outage->count()) / std::max(tuning_.time_scale, 1e-9);
    common::log_error(slot.name(), "cannot reach the server for " +
                                       describe_span(Millis{std::llround(real_ms)}) + " now: " + line);
  } else {
    common::log_warn(slot.name(), line);
  }
}

Scheduler::Scheduled Scheduler::schedule_after(Slot& slot, const AttemptOutcome& outcome) {
  const NextPoll next = next_poll(outcome, interval_of(slot), tuning_.backoff);
  const Millis delay =
      next.jitter ? apply_jitter(next.delay, tuning_.backoff.jitter, random_unit()) : next.delay;
  slot.held = next.reason == NextPollReason::AuthFailure || next.reason == NextPollReason::PermanentFailure;
  slot.health.state = outcome.ok ? health::AccountHealth::State::Idle : health::AccountHealth::State::Backoff;
  arm(slot, delay);
  return Scheduled{next.reason, delay};
}

void Scheduler::run_hook(const Slot& slot, HookEvent event, std::uint64_t new_messages) {
  if (hooks_ == nullptr) return;
  HookCall call;
  call.account = slot.name();
  call.event = event;
  call.new_messages = new_messages;
  if (event == HookEvent::Failing && slot.health.last_error) call.error = *slot.health.last_error;
  hooks_->run(event == HookEvent::NewMail ? slot.account.on_new_mail : slot.account.on_failure, std::move(call),
              withheld_env_);
}

void Scheduler::changed() {
  if (on_change_) on_change_();
}

}  // namespace popfetchd::daemon
