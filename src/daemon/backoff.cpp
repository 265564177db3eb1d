#include "daemon/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace popfetchd::daemon {
namespace {

// 2^20 * 30 s is far beyond any cap: stop doubling there so the shift
// cannot overflow however many failures an account collects.
constexpr std::uint32_t kMaxDoublings = 20;

}  // namespace

std::string_view to_string(NextPollReason reason) {
  switch (reason) {
    case NextPollReason::Interval:
      return "interval";
    case NextPollReason::MorePending:
      return "more messages pending";
    case NextPollReason::Backoff:
      return "backoff";
    case NextPollReason::AuthFailure:
      return "authentication failure";
    case NextPollReason::PermanentFailure:
      return "permanent failure";
    case NextPollReason::LoginDelay:
      return "server LOGIN-DELAY";
    case NextPollReason::InUse:
      return "mailbox in use";
  }
  return "interval";
}

Millis failure_backoff(std::uint32_t failures, Millis interval, const BackoffPolicy& policy) {
  if (failures == 0) return Millis{0};
  const Millis cap = std::min(policy.failure_cap_ceiling, std::max(interval, policy.failure_cap_floor));
  const std::uint32_t doublings = std::min(failures - 1, kMaxDoublings);
  const Millis grown = policy.failure_base * (std::int64_t{1} << doublings);
  return std::min(grown, cap);
}

Millis effective_interval(Millis interval, std::optional<std::uint32_t> login_delay_s) {
  if (!login_delay_s) return interval;
  return std::max(interval, Millis{std::int64_t{*login_delay_s} * 1000});
}

NextPoll next_poll(const AttemptOutcome& outcome, Millis interval, const BackoffPolicy& policy) {
  if (outcome.ok) {
    if (outcome.more_pending) return {Millis{0}, NextPollReason::MorePending, false};
    return {effective_interval(interval, outcome.login_delay_s), NextPollReason::Interval, true};
  }
  const Millis backoff =
      failure_backoff(std::max<std::uint32_t>(1, outcome.consecutive_failures), interval, policy);
  switch (outcome.retry) {
    case fetch::RetryHint::Normal:
      return {backoff, NextPollReason::Backoff, true};
    case fetch::RetryHint::AuthFailed:
      return {policy.auth_failure, NextPollReason::AuthFailure, true};
    case fetch::RetryHint::Permanent:
      return {policy.permanent_failure, NextPollReason::PermanentFailure, true};
    case fetch::RetryHint::LoginDelay:
      if (outcome.login_delay_s) {
        return {std::max(policy.failure_base, Millis{std::int64_t{*outcome.login_delay_s} * 1000}),
                NextPollReason::LoginDelay, true};
      }
      return {policy.login_delay_unknown, NextPollReason::LoginDelay, true};
    case fetch::RetryHint::InUse:
      return {std::max(policy.in_use, backoff), NextPollReason::InUse, true};
  }
  return {backoff, NextPollReason::Backoff, true};
}

Millis apply_jitter(Millis delay, double fraction, double unit_random) {
  const double r = std::clamp(unit_random, -1.0, 1.0);
  const double moved = static_cast<double>(delay.count()) * (1.0 + fraction * r);
  return Millis{std::max<std::int64_t>(0, std::llround(moved))};
}

std::string describe_delay(Millis delay) {
  if (delay.count() <= 0) return "at once";
  if (delay.count() < 1000) {
    char text[32];
    std::snprintf(text, sizeof text, "in %.2fs", static_cast<double>(delay.count()) / 1000.0);
    return text;
  }
  const std::int64_t seconds = (delay.count() + 500) / 1000;
  const std::int64_t hours = seconds / 3600;
  const std::int64_t minutes = seconds % 3600 / 60;
  const std::int64_t rest = seconds % 60;
  std::string text = "in ";
  if (hours > 0) {
    text += std::to_string(hours) + "h";
    if (minutes > 0) text += " " + std::to_string(minutes) + "m";
    return text;
  }
  if (minutes > 0) {
    text += std::to_string(minutes) + "m";
    if (rest > 0) text += " " + std::to_string(rest) + "s";
    return text;
  }
  return text + std::to_string(rest) + "s";
}

std::string describe_span(Millis span) {
  const std::string text = describe_delay(span);
  return text.rfind("in ", 0) == 0 ? text.substr(3) : "0s";
}

std::string describe_next_poll(const FailureNote& note) {
  const std::string when = describe_delay(note.delay);
  const std::string account(note.account);
  const std::string what(note.what);
  switch (note.reason) {
    case NextPollReason::AuthFailure:
      return "authentication failed: " + what + "; not retrying for a long while (next " + when +
             ", or after a reload that changes the account, or one POST /poll/" + account + " per " +
             describe_span(note.manual_retry_window) + ") so the provider does not lock the account";
    case NextPollReason::PermanentFailure:
      return "permanent failure: " + what + "; this needs attention (next attempt " + when +
             ", or after SIGHUP or POST /poll/" + account + ")";
    default:
      break;
  }
  return "poll failed (" + std::string(note.error_kind) + "): " + what + "; " +
         std::to_string(note.consecutive_failures) +
         (note.consecutive_failures == 1 ? " failure" : " failures in a row") + ", next attempt " + when +
         " (" + std::string(to_string(note.reason)) + ")";
}

Millis first_poll_delay(std::size_t accounts, Millis interval, Millis per_account, Millis max_window,
                        double unit_random) {
  const Millis window =
      std::min({per_account * static_cast<std::int64_t>(accounts), max_window, interval / 10});
  const double r = std::clamp(unit_random, 0.0, 1.0);
  return Millis{std::llround(static_cast<double>(window.count()) * r)};
}

}  // namespace popfetchd::daemon
