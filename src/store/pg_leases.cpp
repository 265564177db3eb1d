#include "store/pg_leases.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

namespace store {
namespace {

// Key of the transaction lock that serialises claims ("popclaim" in ASCII).
constexpr std::int64_t kClaimLock = 0x706f70636c61696d;
// Seed of hashtextextended() for the per-account advisory locks: 64 bits, so
// two accounts practically never share a lock (hashtext's 32 would collide
// among 10,000 accounts about once in a hundred archives).
constexpr std::int64_t kAccountLockSeed = 0x706f706c6561;

// The lease (milliseconds, parameter $N) as an SQL interval.
std::string lease_interval(int n) { return "($" + std::to_string(n) + "::bigint * interval '1 millisecond')"; }

}  // namespace

LeaseMillis lease_time_for(LeaseMillis interval) { return std::clamp(interval, kMinLease, kMaxLease); }

std::int64_t fair_share(std::int64_t accounts, std::int64_t live) {
  live = std::max<std::int64_t>(live, 1);
  return (std::max<std::int64_t>(accounts, 0) + live - 1) / live;
}

LeaseVerdict decide_lease(LeaseRow row, std::int64_t held_besides, std::int64_t share) {
  const bool within_share = held_besides + 1 <= share;
  switch (row) {
    case LeaseRow::Others:
      return LeaseVerdict::HeldElsewhere;
    case LeaseRow::Mine:
      return within_share ? LeaseVerdict::Renew : LeaseVerdict::Release;
    case LeaseRow::Free:
    case LeaseRow::Expired:
      break;
  }
  return within_share ? LeaseVerdict::Take : LeaseVerdict::OverShare;
}

std::string_view to_string(LeaseVerdict verdict) {
  switch (verdict) {
    case LeaseVerdict::Take: return "take";
    case LeaseVerdict::Renew: return "renew";
    case LeaseVerdict::Release: return "release";
    case LeaseVerdict::OverShare: return "over share";
    case LeaseVerdict::HeldElsewhere: return "held elsewhere";
  }
  return "?";
}

InstanceIdentity this_instance() {
  std::random_device random;
  std::array<char, 33> id{};
  for (int i = 0; i < 4; ++i) std::snprintf(id.data() + i * 8, 9, "%08x", random());
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return InstanceIdentity{id.data(), host.data(), static_cast<std::int64_t>(::getpid())};
}

PgLeases::PgLeases(std::string uri, InstanceIdentity me, LeaseMillis lease)
    : uri_(std::move(uri)), me_(std::move(me)), lease_(lease) {}

common::Status PgLeases::connect() {
  const bool had = conn_ && PQstatus(conn_->handle()) == CONNECTION_OK;
  if (had) return {};
  if (!conn_) {
    auto conn = pg::Connection::connect(uri_);
    if (!conn) return conn.error();
    conn_.emplace(std::move(*conn));
  } else if (auto s = conn_->revive(); !s) {
    return s;
  }
  // A new session: the advisory locks of the old one are gone with it.
  locked_.clear();
  return register_instance();
}

common::Status PgLeases::register_instance() {
  auto r = conn_->query(
      "INSERT INTO instances (id, hostname, pid) VALUES ($1, $2, $3)"
      " ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()",
      {me_.id, me_.hostname, me_.pid}, "registering this instance");
  if (!r) return r.error();
  return {};
}

common::Result<bool> PgLeases::lock(std::string_view account) {
  if (locked_.contains(account)) return true;
  auto r = conn_->query("SELECT pg_try_advisory_lock(hashtextextended($1, $2))", {account, kAccountLockSeed},
                        "locking the account");
  if (!r) return r.error();
  if (r->text(0, 0) != "t") return false;
  locked_.emplace(account);
  return true;
}

void PgLeases::unlock(std::string_view account) {
  auto it = locked_.find(account);
  if (it == locked_.end()) return;
  locked_.erase(it);
  (void)conn_->query("SELECT pg_advisory_unlock(hashtextextended($1, $2))", {account, kAccountLockSeed},
                     "unlocking the account");
}

common::Result<PgLeases::Claim> PgLeases::claim(std::string_view account, std::int64_t accounts) {
  if (auto s = connect(); !s) return s.error();
  auto claim = claim_in_transaction(account, accounts);
  if (!claim) return claim;
  if (may_poll(claim->verdict)) {
    held_.emplace(account);
  } else {
    held_.erase(std::string(account));
    unlock(account);  // a lock kept from an earlier lease, or taken by a claim that then stepped back
  }
  return claim;
}

common::Result<PgLeases::Claim> PgLeases::claim_in_transaction(std::string_view account, std::int64_t accounts) {
  const std::int64_t lease_ms = lease_.count();
  auto transaction = pg::Transaction::begin(*conn_);
  if (!transaction) return transaction.error();
  pg::Connection& c = *conn_;
  if (auto r = c.query("SELECT pg_advisory_xact_lock($1)", {kClaimLock}, "claiming the account"); !r) {
    return r.error();
  }
  auto beat = c.query("UPDATE instances SET heartbeat_at = now() WHERE id = $1", {me_.id}, "claiming the account");
  if (!beat) return beat.error();
  if (beat->affected() == 0) {
    // Our row was cleaned away (we looked dead for a long time): register again.
    if (auto s = register_instance(); !s) return s.error();
  }
  auto counts = c.query(
      "SELECT (SELECT count(*) FROM instances WHERE heartbeat_at > now() - " + lease_interval(2) + "),"
      " (SELECT count(*) FROM account_leases WHERE holder = $1 AND expires_at > now() AND account <> $3)",
      {me_.id, lease_ms, account}, "claiming the account");
  if (!counts) return counts.error();
  Claim claim;
  claim.live_instances = counts->int64(0, 0);
  claim.share = fair_share(accounts, claim.live_instances);
  live_ = claim.live_instances;
  auto row = c.query("SELECT holder = $1, expires_at > now() FROM account_leases WHERE account = $2 FOR UPDATE",
                     {me_.id, account}, "claiming the account");
  if (!row) return row.error();
  LeaseRow state = LeaseRow::Free;
  if (row->rows() == 1) {
    const bool mine = row->text(0, 0) == "t";
    const bool live = row->text(0, 1) == "t";
    state = !live ? LeaseRow::Expired : mine ? LeaseRow::Mine : LeaseRow::Others;
  }
  claim.verdict = decide_lease(state, counts->int64(0, 1), claim.share);
  if (may_poll(claim.verdict)) {
    auto locked = lock(account);
    if (!locked) return locked.error();
    if (!*locked) {
      // A holder whose lease ran out is still alive and polling: its lock says so.
      claim.verdict = LeaseVerdict::HeldElsewhere;
      return claim;  // rolled back
    }
    auto taken = c.query(
        "INSERT INTO account_leases (account, holder, expires_at) VALUES ($1, $3, now() + " + lease_interval(2) +
            ") ON CONFLICT (account) DO UPDATE SET holder = EXCLUDED.holder,"
        " expires_at = EXCLUDED.expires_at",
        {account, lease_ms, me_.id}, "taking the account's lease");
    if (!taken) return taken.error();
  } else if (claim.verdict == LeaseVerdict::Release) {
    auto released = c.query("DELETE FROM account_leases WHERE account = $1 AND holder = $2", {account, me_.id},
                            "releasing the account's lease");
    if (!released) return released.error();
  }
  if (auto s = transaction->commit(); !s) return s.error();
  return claim;
}

common::Status PgLeases::heartbeat() {
  if (auto s = connect(); !s) return s;
  const std::int64_t lease_ms = lease_.count();
  auto beat = conn_->query("UPDATE instances SET heartbeat_at = now() WHERE id = $1", {me_.id}, "heartbeat");
  if (!beat) return beat.error();
  if (beat->affected() == 0) {
    if (auto s = register_instance(); !s) return s;
  }
  // Every lease of ours, also after a reconnect has dropped their locks:
  // their next claim locks them again, and meanwhile nobody else takes them.
  auto renewed = conn_->query(
      "UPDATE account_leases SET expires_at = now() + " + lease_interval(2) + " WHERE holder = $1 RETURNING account",
      {me_.id, lease_ms}, "renewing the leases");
  if (!renewed) return renewed.error();
  std::set<std::string, std::less<>> now_held;
  for (int i = 0; i < renewed->rows(); ++i) now_held.insert(renewed->text(i, 0));
  held_ = std::move(now_held);
  auto live = conn_->query("SELECT count(*) FROM instances WHERE heartbeat_at > now() - " + lease_interval(1),
                           {lease_ms}, "counting live instances");
  if (!live) return live.error();
  live_ = live->int64(0, 0);
  // Rows of instances dead for ten leases only clutter the table.
  (void)conn_->query("DELETE FROM instances WHERE heartbeat_at < now() - 10 * " + lease_interval(1), {lease_ms},
                     "forgetting dead instances");
  return {};
}

common::Status PgLeases::release(std::string_view account) {
  held_.erase(std::string(account));
  if (auto s = connect(); !s) return s;
  auto gone = conn_->query("DELETE FROM account_leases WHERE account = $1 AND holder = $2", {account, me_.id},
                           "releasing the account's lease");
  unlock(account);
  if (!gone) return gone.error();
  return {};
}

common::Status PgLeases::release_all() {
  held_.clear();
  if (!conn_ || PQstatus(conn_->handle()) != CONNECTION_OK) return {};
  auto gone = conn_->query("DELETE FROM account_leases WHERE holder = $1", {me_.id}, "releasing the leases");
  if (!gone) return gone.error();
  auto me = conn_->query("DELETE FROM instances WHERE id = $1", {me_.id}, "unregistering this instance");
  if (!me) return me.error();
  (void)conn_->query("SELECT pg_advisory_unlock_all()", {}, "unlocking the accounts");
  locked_.clear();
  return {};
}

}  // namespace store
