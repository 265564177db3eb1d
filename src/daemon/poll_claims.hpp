#pragma once
// PollClaims: the PollGate of a daemon whose archive is in PostgreSQL, where
// several daemons with the same accounts share the archive. Each claim runs
// store::PgLeases's rule (one lease per account, spread over the live
// daemons, guarded by an advisory lock; see pg_leases.hpp); a heartbeat timer
// renews this daemon's row and leases every third of the lease time.
//
// When PostgreSQL cannot be reached, a claim fails (the scheduler counts a
// failed attempt and backs off per account) and PollClaims itself waits
// before it tries to connect again: 1 s after the first failure, doubling up
// to 60 s, so a dead server costs one connection attempt per wait, not one
// per account. health() says so (last_error) until a claim or heartbeat
// succeeds again; the first failure is logged at err, the recovery at info.
//
// Owns the PgLeases (its own connection) and the heartbeat timer (a libuv
// handle on `loop`). Blocks the loop for its statements, as the archive's
// writes do. Not thread-safe: the loop's thread.
// Errors: Storage, from may_poll().

#include <uv.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "daemon/backoff.hpp"
#include "daemon/poll_gate.hpp"
#include "health/state.hpp"
#include "net/uv.hpp"
#include "store/pg_leases.hpp"

namespace popfetchd::daemon {

inline constexpr Millis kClaimsFirstRetry{1'000};
inline constexpr Millis kClaimsMaxRetry{60'000};

class PollClaims final : public PollGate {
 public:
  // `accounts`: how many the config lists (the same on every daemon).
  PollClaims(uv_loop_t* loop, std::string uri, std::size_t accounts, Millis lease);
  PollClaims(const PollClaims&) = delete;
  PollClaims& operator=(const PollClaims&) = delete;

  // Registers this daemon (a first heartbeat) and starts the heartbeat timer.
  void start();
  // After a reload: the new number of accounts; the leases of the removed
  // ones are given up (the heartbeat would renew them for ever).
  void reloaded(std::size_t accounts, const std::vector<std::string>& removed);
  common::Result<bool> may_poll(const std::string& account) override;
  // Clean shutdown, once no poll runs: the leases are released, so the other
  // daemons take the accounts at their next due time.
  void shutdown();

  bool holds(std::string_view account) const { return leases_.held().contains(account); }
  health::LeaseHealth health() const;
  // Sets snapshot.leases and each account's held_here.
  void fill(health::HealthSnapshot& snapshot) const;

 private:
  static void on_heartbeat(uv_timer_t* timer);
  // An error while PostgreSQL is in its reconnect wait; none when a try is due.
  std::optional<common::Error> waiting() const;
  void succeeded();
  void failed(const common::Error& error);

  uv_loop_t* loop_;
  store::PgLeases leases_;
  std::size_t accounts_;
  std::int64_t share_ = 0;
  net::UvHandlePtr<uv_timer_t> timer_;
  std::optional<std::string> last_error_;
  std::uint64_t retry_at_ms_ = 0;  // uv_now() before which no connection is tried
  Millis retry_wait_{0};
  bool stopped_ = false;
};

// The daemon's gate for `config`: null for an SQLite archive; for PostgreSQL
// one with the lease time store::lease_time_for(the shortest poll_interval).
std::unique_ptr<PollClaims> make_poll_claims(uv_loop_t* loop, const config::Config& config);

}  // namespace popfetchd::daemon
