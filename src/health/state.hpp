#pragma once
// What the health socket reports (DESIGN.md §4): plain structs its owner (in
// popfetchd, the daemon's scheduler) fills in, and the two pure renderers that
// turn a snapshot into the `GET /health` JSON and the `GET /metrics` text.
//
// Owns nothing but values; never touches a socket, the loop or the archive.
// The renderers cannot fail: text that came from a server (last_error) is
// untrusted and is escaped or replaced, never passed through raw.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "health/process_stats.hpp"

namespace health {

// Why a poll failed, as the `reason` label of popfetchd_poll_failures_total:
// a small fixed set, so every account has every series from the start.
enum class FailureReason { Auth, Tls, Io, Timeout, Protocol, Storage, Other };
inline constexpr std::size_t kFailureReasonCount = 7;
inline constexpr std::array<FailureReason, kFailureReasonCount> kFailureReasons{
    FailureReason::Auth,     FailureReason::Tls,     FailureReason::Io,   FailureReason::Timeout,
    FailureReason::Protocol, FailureReason::Storage, FailureReason::Other};
std::string_view to_string(FailureReason reason);  // "auth", "tls", ...
// The reason for an error kind; the server's "try later"/"never retry", a
// password source that failed and the like are Other.
FailureReason failure_reason(common::ErrorKind kind);

// How long polls took, as a Prometheus histogram with fixed bounds. An
// incremental poll of a quiet mailbox takes well under a second; a first
// import of a large one takes many minutes: the bounds span both.
inline constexpr std::array<double, 11> kPollDurationBounds{0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900};
struct DurationHistogram {
  // in_bucket[i]: observations in (bound[i-1], bound[i]]; the last entry
  // counts those above every bound (the +Inf bucket's share).
  std::array<std::uint64_t, kPollDurationBounds.size() + 1> in_bucket{};
  std::uint64_t count = 0;
  double sum_seconds = 0;
  void observe(double seconds);
};

// One delivery target of an account (README "Delivering to a mailbox").
struct DeliveryHealth {
  std::string target;  // config::DeliveryTarget::key(): "maildir:/srv/mail/alice", ...
  std::uint64_t delivered = 0;  // messages the archive records as delivered there
  std::uint64_t pending = 0;    // waiting: new, or for a retry
  std::uint64_t failed = 0;     // refused for good; retried after a reload or POST /deliver
  // Its last attempt failed, or a message is waiting for a retry or has
  // failed for good: the account is degraded until that clears.
  bool failing = false;
  std::optional<std::string> last_error;  // untrusted text (an MDA's stderr, an LMTP reply)
};

// How far the poll running now has come (fetch::PollProgress's figures):
// messages and bytes (by LIST size) done and planned, the rate since the
// listing and the time left at that rate.
struct ProgressHealth {
  std::uint64_t messages_done = 0;
  std::uint64_t messages_total = 0;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  double bytes_per_second = 0;
  std::optional<std::uint64_t> eta_seconds;  // none until the rate is known
};

struct AccountHealth {
  enum class State { Idle, Polling, Backoff };

  std::string name;  // from the config: [A-Za-z0-9._-]+
  State state = State::Idle;
  std::int64_t last_poll_at = 0;          // unix seconds when the last poll ended; 0 = never
  std::int64_t last_success_at = 0;       // unix seconds; 0 = never
  std::int64_t next_poll_at = 0;          // unix seconds; 0 = not scheduled
  std::optional<std::string> last_error;  // of the last poll, if it failed; untrusted server text
  // Reset to 0 by a successful poll, incremented by a failed one: the health
  // verdict is derived from it (see HealthSnapshot::healthy()).
  std::uint32_t consecutive_failures = 0;
  std::uint64_t messages_stored = 0;  // archive totals for the account
  std::uint64_t bytes_stored = 0;
  std::uint64_t polls_total = 0;  // since the daemon started
  std::uint64_t poll_failures_total = 0;
  // The same failures by reason, indexed by FailureReason; they add up to
  // poll_failures_total.
  std::array<std::uint64_t, kFailureReasonCount> poll_failures_by_reason{};
  std::uint64_t messages_fetched_total = 0;
  std::uint64_t bytes_fetched_total = 0;
  DurationHistogram poll_durations;  // of every finished poll, failed ones included
  std::uint64_t messages_skipped = 0;  // over max_message_size in the last poll
  bool auth_failure = false;           // backing off because the server rejected our credentials
  // Backing off because the server said the failure is permanent ([SYS/PERM],
  // no usable authentication mechanism): a human has to act.
  bool permanent_failure = false;
  std::vector<DeliveryHealth> deliveries;
  // Only while a poll runs and its listing is done; else none.
  std::optional<ProgressHealth> progress;
  // Several daemons on one PostgreSQL archive: whether this daemon holds the
  // account's lease now (it polls it; false: another daemon does, or nobody
  // yet). None with an SQLite archive, where every account is this daemon's.
  std::optional<bool> held_here;
};

// This daemon among the others sharing a PostgreSQL archive (daemon/poll_claims.hpp).
struct LeaseHealth {
  std::string instance;  // random per process start
  std::string hostname;
  std::uint64_t live_instances = 0;  // heartbeats within one lease time, this one included
  std::uint64_t share = 0;           // the most accounts this daemon takes: ceil(accounts / live)
  double lease_seconds = 0;
  std::vector<std::string> held;  // the accounts whose lease this daemon holds, sorted
  // The database cannot be reached (claims fail, reconnects back off): degraded.
  std::optional<std::string> last_error;
};

struct HealthSnapshot {
  std::string version;
  std::int64_t started_at = 0;  // unix seconds
  std::int64_t now = 0;         // unix seconds when the snapshot was taken
  std::vector<AccountHealth> accounts;
  // The process's own figures for the process_* families; filled in for
  // GET /metrics only (reading /proc is not free), absent elsewhere.
  std::optional<ProcessStats> process;

  // The config file as the daemon last read it (SIGHUP). A rejected reload
  // leaves the previous config running: stale, and the daemon degraded,
  // until a reload succeeds.
  bool config_last_reload_successful = true;
  std::int64_t config_last_reload_timestamp_seconds = 0;  // the last reload, either way; 0 = none yet
  std::int64_t config_last_reload_success_timestamp_seconds = 0;  // when the running config was read
  std::optional<std::string> config_error;  // the rejected file's first diagnostic
  // With a PostgreSQL archive; none with SQLite.
  std::optional<LeaseHealth> leases;

  // True when every account's last poll succeeded or none has run yet, i.e.
  // no account has a failure since its last success, no delivery target is
  // failing, the last reload was not rejected and the PostgreSQL archive (if
  // any) answers the lease claims.
  bool healthy() const;
};

std::string_view to_string(AccountHealth::State state);  // "idle", "polling", "backoff"

// The JSON body of `GET /health`: exactly DESIGN.md §4's keys in its order,
// followed by extra keys (started_at, now, config_stale, config_error,
// config_last_reload_at, config_loaded_at, the per-account counters,
// messages_skipped, auth_failure, permanent_failure, deliveries, progress:
// an object while a poll retrieves, else null; held_here: true/false with a
// PostgreSQL archive, else null; at the top, leases: an object with a
// PostgreSQL archive (instance, hostname, live_instances, share,
// lease_seconds, held, last_error), else null). "status" is "ok" or "degraded"; last_error
// is null or a string (invalid UTF-8 replaced by U+FFFD).
std::string render_health_json(const HealthSnapshot& snapshot);

// The body of `GET /metrics`: Prometheus text exposition format 0.0.4, each
// family with # HELP and # TYPE, samples labelled by account, ending in "\n".
std::string render_metrics(const HealthSnapshot& snapshot);

// A label value escaped for the exposition format: backslash, double quote
// and line feed become \\, \" and \n (the format's only three escapes).
std::string escape_label_value(std::string_view value);

}  // namespace health
