#pragma once
// When an account polls next: pure functions from the outcome of its last
// poll (or of its password lookup) to a delay. No clock, no loop, no
// randomness: the caller supplies the random number for the jitter, so every
// rule is a table test.
//
// The rules, and why:
//   success                  the poll interval, or the server's LOGIN-DELAY
//                            when that is longer (polling sooner would only
//                            earn a [LOGIN-DELAY] refusal).
//   success, more pending    at once: the per-poll cap was hit; the rest of
//                            a big mailbox follows in the next poll.
//   failure (transient)      exponential: 30 s, 60 s, 2 min, ... capped at
//                            min(1 h, max(interval, 5 min)). The cap never
//                            exceeds 1 h, so an outage leaves no account
//                            stale for long even with a daily interval; it is
//                            never below 5 min, so a broken server is not hit
//                            every 10 s by an account with a short interval;
//                            and for intervals between 5 min and 1 h a failing
//                            account simply keeps its normal rhythm.
//   [AUTH] / wrong password  6 h, or until a reload changes the account, or
//                            a manual retry (POST /poll, SIGUSR1), at most one
//                            per kManualRetryAfterAuthFailure: retrying at the
//                            normal interval, or as often as someone asks,
//                            would get the account locked out by the
//                            provider's brute-force protection.
//   [SYS/PERM], no usable    6 h (or until SIGHUP or POST /poll): the server
//   auth mechanism           says a human has to act.
//   [LOGIN-DELAY]            the server's LOGIN-DELAY when known (at least
//                            30 s), else 15 min.
//   [IN-USE]                 90 s for the first failures (another client holds
//                            the mailbox and usually lets go soon), then the
//                            failure backoff once that has grown past it.
// Every delay except "at once" gets +-10 % jitter, so accounts that failed
// together (a provider outage) do not all come back in the same millisecond.
//
// Errors: none; every input yields a delay.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fetch/poll_report.hpp"

namespace popfetchd::daemon {

using Millis = std::chrono::milliseconds;

// After a rejected password, one manual retry of the account per this long;
// requests in between are refused (HTTP 429) and the hold stays.
inline constexpr Millis kManualRetryAfterAuthFailure{5 * 60'000};

struct BackoffPolicy {
  Millis failure_base{30'000};
  Millis failure_cap_floor{5 * 60'000};
  Millis failure_cap_ceiling{60 * 60'000};
  Millis auth_failure{6 * 60 * 60'000};
  Millis permanent_failure{6 * 60 * 60'000};
  Millis in_use{90'000};
  Millis login_delay_unknown{15 * 60'000};
  Millis manual_retry_after_auth_failure = kManualRetryAfterAuthFailure;
  double jitter = 0.10;  // fraction of the delay, both ways
};

// Why the next poll is when it is (for the log and the health state).
enum class NextPollReason {
  Interval,     // the last poll succeeded
  MorePending,  // the last poll hit the per-poll cap: at once
  Backoff,      // a transient failure
  AuthFailure,  // credentials rejected
  PermanentFailure,
  LoginDelay,
  InUse,
};
std::string_view to_string(NextPollReason reason);

// What the scheduler knows after an attempt.
struct AttemptOutcome {
  bool ok = false;
  bool more_pending = false;
  fetch::RetryHint retry = fetch::RetryHint::Normal;
  std::uint32_t consecutive_failures = 0;      // including this attempt (0 after a success)
  std::optional<std::uint32_t> login_delay_s;  // the server's LOGIN-DELAY, if ever seen
};

struct NextPoll {
  Millis delay{0};  // before jitter
  NextPollReason reason = NextPollReason::Interval;
  bool jitter = true;  // false: run at exactly `delay` (at once)
};

// The exponential part: failure_base * 2^(failures-1), capped as described
// above. failures == 0 gives 0.
Millis failure_backoff(std::uint32_t failures, Millis interval, const BackoffPolicy& policy);

// The interval an account really polls at: its poll_interval, or the
// server's LOGIN-DELAY when that is longer.
Millis effective_interval(Millis interval, std::optional<std::uint32_t> login_delay_s);

NextPoll next_poll(const AttemptOutcome& outcome, Millis interval, const BackoffPolicy& policy);

// `delay` moved by up to +-fraction of itself; `unit_random` is in [-1, 1]
// (from the caller's random source). Never negative.
Millis apply_jitter(Millis delay, double fraction, double unit_random);

// For log lines: "at once", "in 45s", "in 4m 30s", "in 6h", "in 1h 5m"
// (rounded to the second; below a second "in 0.25s").
std::string describe_delay(Millis delay);

// When the first poll after start (or after an account was added) runs:
// spread evenly-random over [0, window), window = min(per_account * accounts,
// max_window, interval / 10). So 3 accounts start within ~60 ms and 100
// within ~2 s instead of 100 connections in the same millisecond.
// `unit_random` is in [0, 1).
Millis first_poll_delay(std::size_t accounts, Millis interval, Millis per_account, Millis max_window,
                        double unit_random);

// What the log says after a failed attempt, and when the next one comes.
struct FailureNote {
  std::string_view account;
  std::string_view error_kind;  // common::to_string(ErrorKind)
  std::string what;             // the error, already sanitised
  std::uint32_t consecutive_failures = 1;
  NextPollReason reason = NextPollReason::Backoff;
  Millis delay{0};                // after jitter
  Millis manual_retry_window{0};  // BackoffPolicy::manual_retry_after_auth_failure
};
// One line: "authentication failed: ...; not retrying for a long while (next
// in 6h, ...)", "permanent failure: ...", or "poll failed (io): ...; 2 failures
// in a row, next attempt in 1m (backoff)".
std::string describe_next_poll(const FailureNote& note);
// "5m" for five minutes: describe_delay() without its "in ".
std::string describe_span(Millis span);

// Pipelining trouble of one account. A poll that failed with commands
// pipelined (a server or middlebox that mishandles them) makes the next poll
// run without; once one succeeds, pipelining is used again, unless it failed
// that way kStrikes times: then it stays off until reset() (the account's
// settings changed, so it may be another server). Failures with nothing
// pipelined change nothing: they say nothing about pipelining.
class PipeliningFallback {
 public:
  static constexpr std::uint32_t kStrikes = 2;

  // The next poll must not pipeline.
  bool off() const { return off_; }
  // Off for good (until reset()): it failed kStrikes times.
  bool stays_off() const { return strikes_ >= kStrikes; }

  void on_success() {
    if (!stays_off()) off_ = false;
  }
  void on_failure(bool pipelined) {
    if (!pipelined) return;
    ++strikes_;
    off_ = true;
  }
  void reset() { *this = PipeliningFallback{}; }

 private:
  std::uint32_t strikes_ = 0;
  bool off_ = false;
};

}  // namespace popfetchd::daemon
