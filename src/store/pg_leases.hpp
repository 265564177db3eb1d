#pragma once
// store::PgLeases: which popfetchd instance polls which account, when several
// daemons (same accounts in their configs) share one PostgreSQL archive.
//
// The rule, per account, decided in one transaction before each poll:
//   - a lease row (account_leases: account, holder, expires_at) says who
//     polls the account until when; times are the server's now() only, so
//     the daemons' clocks never matter;
//   - an instance takes a lease that is free or expired, and renews its own,
//     only while it would then hold at most fair_share(accounts, live)
//     leases: ceil(accounts / live instances), live = a heartbeat in the
//     instances table within one lease time. Above its share it gives a
//     lease of its own up (Release), so a new instance gets accounts within
//     about one poll interval;
//   - the poll itself is guarded by a session-level advisory lock on the
//     account, taken with the lease and kept while the lease is held: an
//     instance whose lease ran out while it was stalled (a blocked loop, a
//     long commit) still holds the lock, and nobody else can take the
//     account until its session ends. A killed daemon's session ends with
//     its socket, so the lock goes at once and the lease at its expiry;
//   - claims are serialised by a transaction-level advisory lock, so the
//     counts they read are the counts they act on.
// heartbeat() (every third of the lease time) renews the instance row and all
// its leases; release_all() (clean shutdown) deletes both.
//
// Why leases and locks both: the lock alone gives mutual exclusion but no
// spreading (the first daemon would take every account); the lease alone
// would let a stalled holder and a taker overlap.
//
// Owns one libpq connection of its own, apart from the archive's (a claim
// must commit on its own, never inside a batch). Connects lazily and again
// after the server dropped it (its advisory locks are gone then, and are
// taken again at the next claim). Blocking; not thread-safe.
// Errors: Storage (connecting, or any statement).

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/pg/connection.hpp"

namespace store {

using LeaseMillis = std::chrono::milliseconds;

// The lease time for accounts whose shortest poll_interval is `interval`:
// the interval itself, within [2 s, 2 min]. A dead instance's accounts are
// polled again within one interval plus this; a shorter lease would only
// make heartbeats more frequent, a longer one takeover slower.
LeaseMillis lease_time_for(LeaseMillis interval);
inline constexpr LeaseMillis kMinLease{2'000};
inline constexpr LeaseMillis kMaxLease{120'000};

// ceil(accounts / live); `live` below 1 counts as 1 (the caller is alive).
std::int64_t fair_share(std::int64_t accounts, std::int64_t live);

// The account's lease row as the claiming instance sees it.
enum class LeaseRow { Free, Mine, Expired, Others };
// Take/Renew: poll it. Release: it was mine but I hold more than my share:
// give it up and do not poll. OverShare: free, but I am at my share.
// HeldElsewhere: another live instance holds it.
enum class LeaseVerdict { Take, Renew, Release, OverShare, HeldElsewhere };

// The pure decision. `held_besides`: unexpired leases I hold on other accounts.
LeaseVerdict decide_lease(LeaseRow row, std::int64_t held_besides, std::int64_t share);
inline bool may_poll(LeaseVerdict verdict) { return verdict == LeaseVerdict::Take || verdict == LeaseVerdict::Renew; }
std::string_view to_string(LeaseVerdict verdict);

struct InstanceIdentity {
  std::string id;  // random per process start
  std::string hostname;
  std::int64_t pid = 0;
};
// A fresh identity for this process: 128 random bits, gethostname(), getpid().
InstanceIdentity this_instance();

class PgLeases {
 public:
  struct Claim {
    LeaseVerdict verdict = LeaseVerdict::HeldElsewhere;
    std::int64_t live_instances = 1;
    std::int64_t share = 0;
  };

  // Connects at the first call, not here.
  PgLeases(std::string uri, InstanceIdentity me, LeaseMillis lease);
  PgLeases(PgLeases&&) = default;
  PgLeases& operator=(PgLeases&&) = delete;
  PgLeases(const PgLeases&) = delete;
  PgLeases& operator=(const PgLeases&) = delete;

  // The rule above for `account`, out of `accounts` configured.
  common::Result<Claim> claim(std::string_view account, std::int64_t accounts);
  // Renews the instance row and every lease held; held() is what it renewed.
  common::Status heartbeat();
  // Gives the account's lease up (an account a reload removed): deleted and unlocked.
  common::Status release(std::string_view account);
  // Deletes the instance's leases and row and unlocks: other instances take
  // the accounts at their next claim instead of after the lease time.
  common::Status release_all();

  const std::set<std::string, std::less<>>& held() const { return held_; }
  std::int64_t live_instances() const { return live_; }
  const InstanceIdentity& identity() const { return me_; }
  LeaseMillis lease() const { return lease_; }

 private:
  common::Status connect();
  common::Status register_instance();
  common::Result<Claim> claim_in_transaction(std::string_view account, std::int64_t accounts);
  common::Result<bool> lock(std::string_view account);
  void unlock(std::string_view account);

  std::string uri_;
  InstanceIdentity me_;
  LeaseMillis lease_;
  std::optional<pg::Connection> conn_;
  // Accounts whose advisory lock this session holds (session-level locks
  // nest: each is taken once and released once).
  std::set<std::string, std::less<>> locked_;
  std::set<std::string, std::less<>> held_;
  std::int64_t live_ = 1;
};

}  // namespace store
