#include "daemon/scheduler.hpp"

#include <string.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <unordered_set>
#include <utility>

#include "common/log.hpp"
#include "common/sanitize.hpp"

namespace popfetchd::daemon {
namespace {

// last_error may quote a server; our own prefix needs room too.
constexpr std::size_t kMaxErrorText = 400;

std::int64_t wall_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Passwords do not linger in freed heap memory (core dumps are off, but a
// later bug that leaks memory contents should not find them either).
void wipe(std::optional<std::string>& password) {
  if (password && !password->empty()) explicit_bzero(password->data(), password->size());
  password.reset();
}

// "5m" for a window of five minutes (describe_delay without its "in ").
std::string span(Millis window) {
  const std::string text = describe_delay(window);
  return text.rfind("in ", 0) == 0 ? text.substr(3) : "0s";
}

}  // namespace

struct Scheduler::Slot {
  Scheduler* owner = nullptr;
  config::Account account;
  health::AccountHealth health;
  UvHandlePtr<uv_timer_t> timer;

  std::optional<std::string> password;
  config::PasswordSource password_from;  // where `password` came from
  bool password_stale = false;           // read it again before the next poll

  bool resolving = false;   // a password lookup is on the thread pool
  bool in_runner = false;   // queued in or running on the PollRunner
  bool poll_again = false;  // a poll was requested while busy
  bool removing = false;    // gone from the config; waits for its poll to end
  bool held = false;        // authentication or permanent failure: long hold
  // uv_now() of the last manual retry (POST /poll, SIGUSR1) that lifted a
  // hold after a rejected password; the next one waits for the policy's window.
  std::optional<std::uint64_t> manual_retry_at;

  PipeliningFallback pipelining;
  std::optional<std::uint32_t> login_delay_s;

  bool busy() const { return in_runner || resolving; }
  const std::string& name() const { return account.name; }

  ~Slot() { wipe(password); }
};

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
  for (const config::Account& account : config.accounts) add_slot(account);
  for (const auto& slot : slots_) arm_first_poll(*slot);
  changed();
}

void Scheduler::apply(const config::Config& config, const AccountsDiff& diff) {
  database_path_ = config.database;
  const std::unordered_set<std::string> added(diff.added.begin(), diff.added.end());
  const std::unordered_set<std::string> changed_names(diff.changed.begin(), diff.changed.end());

  for (const std::string& name : diff.removed) {
    Slot* slot = find(name);
    if (slot == nullptr || slot->removing) continue;
    slot->removing = true;
    slot->poll_again = false;
    uv_timer_stop(slot->timer.get());
    if (runner_.cancel(name)) slot->in_runner = false;
    if (slot->busy()) {
      common::log_info(name, "removed from the config; it goes once its running poll has finished");
    } else {
      erase(*slot);
    }
  }

  for (const config::Account& account : config.accounts) {
    Slot* slot = find(account.name);
    if (added.contains(account.name) || slot == nullptr) {
      if (slot == nullptr) {
        slot = &add_slot(account);
      } else {
        // Removed by an earlier reload while it was polling, and back now.
        slot->removing = false;
        slot->account = account;
        wipe(slot->password);
        slot->pipelining.reset();
      }
      common::log_info(account.name, "added");
      if (!slot->busy()) arm_first_poll(*slot);
      continue;
    }
    const bool was_held = slot->held;
    const bool backing_off = slot->health.consecutive_failures > 0;
    if (changed_names.contains(account.name)) {
      slot->held = false;
      slot->manual_retry_at.reset();
      const config::Account old = std::move(slot->account);
      slot->account = account;
      if (old.password == account.password) {
        slot->password_stale = true;
      } else {
        wipe(slot->password);
      }
      if (old.server != account.server || old.port != account.port) slot->login_delay_s.reset();
      slot->pipelining.reset();
      common::log_info(account.name, slot->busy()
                                         ? "settings changed; the running poll keeps the old ones, the "
                                           "next poll uses the new ones"
                                         : "settings changed; the next poll uses them");
      if (slot->busy()) continue;
      if (backing_off) {
        arm_first_poll(*slot);  // perhaps the change fixed it: try again soon
      } else if (old.poll_interval != account.poll_interval) {
        const Millis next = apply_jitter(interval_of(*slot), tuning_.backoff.jitter, random_unit());
        const std::uint64_t due = uv_timer_get_due_in(slot->timer.get());
        const auto scaled =
            static_cast<std::uint64_t>(std::llround(static_cast<double>(next.count()) * tuning_.time_scale));
        if (!uv_is_active(reinterpret_cast<uv_handle_t*>(slot->timer.get())) || scaled < due)
          arm(*slot, next);
      }
    } else {
      slot->password_stale = true;
      if (auth_held(*slot)) {
        // The same settings would send the same rejected password: the
        // provider's lock-out counts every try. A manual retry remains.
        common::log_info(account.name,
                         "reload: settings unchanged, so the account stays on hold after its "
                         "rejected password (POST /poll/" +
                             account.name + " retries it once)");
        continue;
      }
      slot->held = false;
      if (was_held && !slot->busy()) {
        common::log_info(account.name, "reload: retrying the account held after its last failure");
        arm_first_poll(*slot);
      }
    }
  }
  reorder(config.accounts);
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
  for (const auto& slot : slots_) accounts.push_back(slot->health);
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

void Scheduler::arm_first_poll(Slot& slot) {
  const Millis delay = first_poll_delay(slots_.size(), interval_of(slot), tuning_.start_spread_per_account,
                                        tuning_.max_start_spread, random_fraction());
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

bool Scheduler::auth_held(const Slot& slot) { return slot.held && slot.health.auth_failure; }

bool Scheduler::take_manual_retry(Slot& slot) {
  if (!auth_held(slot)) return true;
  const Millis window = tuning_.backoff.manual_retry_after_auth_failure;
  const auto scaled = static_cast<std::uint64_t>(
      std::llround(std::max(0.0, static_cast<double>(window.count()) * tuning_.time_scale)));
  const std::uint64_t now = uv_now(loop_);
  if (slot.manual_retry_at && now - *slot.manual_retry_at < scaled) {
    common::log_warn(slot.name(),
                     "poll request refused: the account is on hold after its password was "
                     "rejected, and was retried by hand less than " +
                         span(window) + " ago");
    return false;
  }
  slot.manual_retry_at = now;
  common::log_info(slot.name(), "manual retry after the rejected password");
  return true;
}

health::PollRequest Scheduler::request_poll(const std::optional<std::string>& account) {
  if (shutting_down_) return health::PollRequest::ShuttingDown;
  if (account) {
    Slot* slot = find(*account);
    if (slot == nullptr || slot->removing) return health::PollRequest::UnknownAccount;
    common::log_info(slot->name(), "poll requested");
    if (!take_manual_retry(*slot)) return health::PollRequest::RateLimited;
    slot->held = false;
    if (slot->busy()) {
      slot->poll_again = true;
    } else {
      arm(*slot, Millis{0});
    }
    changed();
    return health::PollRequest::Accepted;
  }
  common::log_info("", "poll of every account requested");
  std::size_t accepted = 0;
  std::size_t refused = 0;
  for (const auto& slot : slots_) {
    if (slot->removing) continue;
    if (!take_manual_retry(*slot)) {
      ++refused;
      continue;
    }
    ++accepted;
    slot->held = false;
    if (slot->busy()) {
      slot->poll_again = true;
    } else {
      arm_first_poll(*slot);
    }
  }
  changed();
  return refused > 0 && accepted == 0 ? health::PollRequest::RateLimited : health::PollRequest::Accepted;
}

void Scheduler::attempt(Slot& slot) {
  if (shutting_down_ || slot.removing) return;
  if (slot.busy()) {
    slot.poll_again = true;
    return;
  }
  disarm(slot);
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
  lookup_password(loop_, resolver_, source, [alive, target, source](common::Result<std::string> password) {
    if (auto self = alive.lock()) (*self)->on_password(*target, source, std::move(password));
  });
}

void Scheduler::on_password(Slot& slot, const config::PasswordSource& source,
                            common::Result<std::string> password) {
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
    wipe(slot.password);
    slot.password = std::move(password).value();
    slot.password_from = source;
    slot.password_stale = false;
  } else if (slot.password && slot.password_stale && slot.password_from == source) {
    common::log_warn(slot.name(), "reading the password again failed (" + password.error().message +
                                      "); using the one read before");
    slot.password_stale = false;
  } else {
    wipe(slot.password);
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
  options.password = *slot.password;
  options.database_path = database_path_;
  options.force_pipelining_off = slot.pipelining.off();
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
  health::AccountHealth& health = slot.health;
  ++health.polls_total;
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
    if (report.ok()) {
      health.consecutive_failures = 0;
      health.last_success_at = health.last_poll_at;
      health.last_error.reset();
      health.auth_failure = false;
      health.permanent_failure = false;
      const bool was_off = slot.pipelining.off();
      slot.pipelining.on_success();
      if (was_off && !slot.pipelining.off()) {
        common::log_info(name, "the poll without pipelining succeeded; the next poll may pipeline again");
      }
    }
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

void Scheduler::record_failure(Slot& slot, const common::Error& error, fetch::RetryHint retry) {
  health::AccountHealth& health = slot.health;
  ++health.consecutive_failures;
  ++health.poll_failures_total;
  health.last_error = common::sanitize(error.message, kMaxErrorText);
  health.auth_failure = retry == fetch::RetryHint::AuthFailed;
  health.permanent_failure = retry == fetch::RetryHint::Permanent;
  // The password may have been changed since it was read: read it again.
  if (retry == fetch::RetryHint::AuthFailed) wipe(slot.password);
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
  const std::string when = describe_delay(next.delay);
  const std::string what = common::sanitize(error.message, kMaxErrorText);
  switch (next.reason) {
    case NextPollReason::AuthFailure:
      common::log_error(slot.name(),
                        "authentication failed: " + what + "; not retrying for a long while (next " + when +
                            ", or after a reload that changes the account, or one POST /poll/" + slot.name() +
                            " per " + span(tuning_.backoff.manual_retry_after_auth_failure) +
                            ") so the provider does not lock the account");
      break;
    case NextPollReason::PermanentFailure:
      common::log_error(slot.name(), "permanent failure: " + what + "; this needs attention (next attempt " +
                                         when + ", or after SIGHUP or POST /poll/" + slot.name() + ")");
      break;
    default:
      common::log_warn(slot.name(),
                       "poll failed (" + std::string(common::to_string(error.kind)) + "): " + what + "; " +
                           std::to_string(health.consecutive_failures) +
                           (health.consecutive_failures == 1 ? " failure" : " failures in a row") +
                           ", next attempt " + when + " (" + std::string(to_string(next.reason)) + ")");
      break;
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

// --- shutdown

void Scheduler::shutdown(std::function<void()> on_finished) {
  if (!shutting_down_) {
    shutting_down_ = true;
    on_finished_ = std::move(on_finished);
    for (const auto& slot : slots_) {
      disarm(*slot);
      slot->poll_again = false;
      // Queued polls never start: stop_all() drops them without a report.
      if (slot->in_runner && runner_.queued(slot->name())) slot->in_runner = false;
    }
    runner_.stop_all();
    changed();
  }
  maybe_finish_shutdown();
}

void Scheduler::abandon_running() {
  runner_.abandon();
  std::vector<Slot*> removed;
  for (const auto& slot : slots_) {
    if (!slot->in_runner) continue;
    slot->in_runner = false;
    slot->health.state = health::AccountHealth::State::Idle;
    common::log_warn(slot->name(), "poll closed without waiting for it to finish");
    if (slot->removing && !slot->resolving) removed.push_back(slot.get());
  }
  for (Slot* slot : removed) erase(*slot);
  changed();
  maybe_finish_shutdown();
}

void Scheduler::maybe_finish_shutdown() {
  if (!shutting_down_ || !on_finished_) return;
  if (std::any_of(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->in_runner; })) return;
  std::function<void()> on_finished = std::move(on_finished_);
  on_finished_ = nullptr;
  on_finished();
}

void Scheduler::changed() {
  if (on_change_) on_change_();
}

}  // namespace popfetchd::daemon
