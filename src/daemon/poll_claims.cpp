#include "daemon/poll_claims.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "store/pg/conninfo.hpp"

namespace popfetchd::daemon {
namespace {

constexpr std::size_t kMaxErrorText = 300;

std::string seconds_text(Millis wait) { return std::to_string((wait.count() + 999) / 1000) + "s"; }

}  // namespace

PollClaims::PollClaims(uv_loop_t* loop, std::string uri, std::size_t accounts, Millis lease)
    : loop_(loop), leases_(std::move(uri), store::this_instance(), lease), accounts_(accounts) {}

void PollClaims::start() {
  const store::InstanceIdentity& me = leases_.identity();
  common::log_info("", "sharing the accounts with other popfetchd instances on this archive as instance " + me.id +
                           " (lease " + seconds_text(leases_.lease()) + ")");
  if (auto beat = leases_.heartbeat(); !beat) {
    failed(beat.error());
  } else {
    succeeded();
  }
  timer_ = net::make_timer(loop_);
  timer_->data = this;
  const auto every = static_cast<std::uint64_t>(std::max<std::int64_t>(leases_.lease().count() / 3, 100));
  uv_timer_start(timer_.get(), &PollClaims::on_heartbeat, every, every);
}

void PollClaims::on_heartbeat(uv_timer_t* timer) {
  auto* self = static_cast<PollClaims*>(timer->data);
  if (self->stopped_ || self->waiting()) return;
  if (auto beat = self->leases_.heartbeat(); !beat) {
    self->failed(beat.error());
  } else {
    self->succeeded();
  }
}

std::optional<common::Error> PollClaims::waiting() const {
  if (!last_error_ || uv_now(loop_) >= retry_at_ms_) return std::nullopt;
  const auto left = Millis{static_cast<std::int64_t>(retry_at_ms_ - uv_now(loop_))};
  return common::make_error(common::ErrorKind::Storage,
                            *last_error_ + " (connecting to the archive again in " + seconds_text(left) + ")");
}

void PollClaims::succeeded() {
  if (last_error_) common::log_info("", "the archive's PostgreSQL answers again; claiming accounts again");
  last_error_.reset();
  retry_wait_ = Millis{0};
}

void PollClaims::failed(const common::Error& error) {
  const std::string text = common::sanitize(error.message, kMaxErrorText);
  if (!last_error_) {
    common::log_error("", "cannot claim accounts in the archive's PostgreSQL: " + text +
                              "; polls wait until it answers again");
  }
  last_error_ = text;
  retry_wait_ = retry_wait_.count() == 0 ? kClaimsFirstRetry : std::min(retry_wait_ * 2, kClaimsMaxRetry);
  retry_at_ms_ = uv_now(loop_) + static_cast<std::uint64_t>(retry_wait_.count());
}

common::Result<bool> PollClaims::may_poll(const std::string& account) {
  if (stopped_) return false;
  if (auto wait = waiting()) return *wait;
  const bool had = leases_.held().contains(account);
  auto claim = leases_.claim(account, static_cast<std::int64_t>(accounts_));
  if (!claim) {
    failed(claim.error());
    return common::make_error(common::ErrorKind::Storage, "claiming the account: " + claim.error().message);
  }
  succeeded();
  share_ = claim->share;
  const std::string figures = " (" + std::to_string(claim->live_instances) + " live instances, share " +
                              std::to_string(claim->share) + ")";
  switch (claim->verdict) {
    case store::LeaseVerdict::Take:
      if (!had) common::log_info(account, "lease taken: this instance polls the account now" + figures);
      break;
    case store::LeaseVerdict::Release:
      common::log_info(account, "lease given up: this instance holds more than its share" + figures);
      break;
    case store::LeaseVerdict::HeldElsewhere:
      if (had) common::log_info(account, "lease lost: another instance polls the account now");
      break;
    case store::LeaseVerdict::Renew:
    case store::LeaseVerdict::OverShare:
      break;
  }
  return store::may_poll(claim->verdict);
}

void PollClaims::reloaded(std::size_t accounts, const std::vector<std::string>& removed) {
  accounts_ = accounts;
  for (const std::string& account : removed) {
    if (!holds(account)) continue;
    if (auto released = leases_.release(account); !released) {
      common::log_warn(account, "could not release the lease of the removed account (" + released.error().message +
                                    "); it expires by itself");
    }
  }
}

void PollClaims::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  timer_.reset();
  const std::size_t held = leases_.held().size();
  if (auto released = leases_.release_all(); !released) {
    common::log_warn("", "could not release the account leases (" + released.error().message +
                             "); other instances take the accounts when the leases expire");
  } else if (held > 0) {
    common::log_info("", "released " + std::to_string(held) + " account leases");
  }
}

health::LeaseHealth PollClaims::health() const {
  health::LeaseHealth out;
  out.instance = leases_.identity().id;
  out.hostname = leases_.identity().hostname;
  out.live_instances = static_cast<std::uint64_t>(std::max<std::int64_t>(0, leases_.live_instances()));
  out.share = static_cast<std::uint64_t>(std::max<std::int64_t>(0, share_));
  out.lease_seconds = static_cast<double>(leases_.lease().count()) / 1000.0;
  out.held.assign(leases_.held().begin(), leases_.held().end());
  out.last_error = last_error_;
  return out;
}

void PollClaims::fill(health::HealthSnapshot& snapshot) const {
  for (health::AccountHealth& account : snapshot.accounts) account.held_here = holds(account.name);
  snapshot.leases = health();
}

std::unique_ptr<PollClaims> make_poll_claims(uv_loop_t* loop, const config::Config& config) {
  if (!store::pg::is_postgres_uri(config.database)) return nullptr;
  auto shortest = std::chrono::duration_cast<Millis>(config::kMaxDuration);
  for (const config::Account& account : config.accounts) {
    shortest = std::min(shortest, std::chrono::duration_cast<Millis>(account.poll_interval));
  }
  return std::make_unique<PollClaims>(loop, config.database, config.accounts.size(), store::lease_time_for(shortest));
}

}  // namespace popfetchd::daemon
