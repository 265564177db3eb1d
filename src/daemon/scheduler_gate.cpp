// The scheduler asks its PollGate before each poll: several daemons sharing
// one PostgreSQL archive poll each account from one of them at a time.
#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/scheduler_slot.hpp"

namespace popfetchd::daemon {

using scheduler_detail::wall_now;

bool Scheduler::pass_gate(Slot& slot) {
  if (gate_ == nullptr) return true;
  auto verdict = gate_->may_poll(slot.name());
  if (!verdict) {
    // The gate could not decide (the database is unreachable): a failed
    // attempt, so the account backs off and /health shows why.
    ++slot.health.polls_total;
    slot.health.last_poll_at = wall_now();
    record_failure(slot, verdict.error(), fetch::RetryHint::Normal);
    changed();
    return false;
  }
  if (*verdict) return true;
  // Another daemon polls it: nothing failed here. What failed before (say
  // while the database was away) is not this daemon's to report any more.
  slot.poll_again = false;
  slot.health.consecutive_failures = 0;
  slot.health.last_error.reset();
  AttemptOutcome outcome;
  outcome.ok = true;
  const Scheduled next = schedule_after(slot, outcome);
  common::log_debug(slot.name(), "polled by another popfetchd instance; looking again " + describe_delay(next.delay));
  changed();
  return false;
}

}  // namespace popfetchd::daemon
