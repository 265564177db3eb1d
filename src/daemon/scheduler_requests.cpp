// The scheduler's answers from outside: a reloaded config, a request to poll
// now (POST /poll, SIGUSR1) and shutdown. See scheduler.hpp.
#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "common/log.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/scheduler_slot.hpp"

namespace popfetchd::daemon {

// --- reload

void Scheduler::retire(const std::string& name) {
  Slot* slot = find(name);
  if (slot == nullptr || slot->removing) return;
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

void Scheduler::apply(const config::Config& config, const AccountsDiff& diff) {
  database_path_ = config.database;
  withheld_env_ = config.password_env_names;
  const std::unordered_set<std::string> added(diff.added.begin(), diff.added.end());
  const std::unordered_set<std::string> changed_names(diff.changed.begin(), diff.changed.end());
  for (const std::string& name : diff.removed) retire(name);
  // The accounts whose first poll this reload may schedule together.
  const std::size_t batch = std::max<std::size_t>(1, diff.added.size() + diff.changed.size());

  for (const config::Account& account : config.accounts) {
    Slot* slot = find(account.name);
    if (added.contains(account.name) || slot == nullptr) {
      if (slot == nullptr) {
        slot = &add_slot(account);
      } else {
        // Removed by an earlier reload while it was polling, and back now.
        slot->removing = false;
        slot->account = account;
        slot->password.reset();
        slot->pipelining.reset();
      }
      common::log_info(account.name, "added");
      if (!slot->busy()) arm_first_poll(*slot, batch);
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
        slot->password.reset();
      }
      if (old.server != account.server || old.port != account.port) slot->login_delay_s.reset();
      slot->pipelining.reset();
      slot->tls_sessions = std::make_shared<net::TlsSessionCache>();
      common::log_info(account.name, slot->busy()
                                         ? "settings changed; the running poll keeps the old ones, the "
                                           "next poll uses the new ones"
                                         : "settings changed; the next poll uses them");
      if (slot->busy()) continue;
      if (backing_off) {
        arm_first_poll(*slot, batch);  // perhaps the change fixed it: try again soon
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
        arm_first_poll(*slot, batch);
      }
    }
  }
  reorder(config.accounts);
  changed();
}

// --- requests to poll now

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
                         describe_span(window) + " ago");
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
      arm_first_poll(*slot, slots_.size());
    }
  }
  changed();
  return refused > 0 && accepted == 0 ? health::PollRequest::RateLimited : health::PollRequest::Accepted;
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
    slot->progress.reset();
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

}  // namespace popfetchd::daemon
