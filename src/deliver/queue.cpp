// The delivery queue; see queue.hpp.
#include "deliver/queue.hpp"

#include <algorithm>
#include <ctime>

#include "common/log.hpp"

namespace deliver {
namespace {

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

struct Queue::Lane {
  Queue* queue = nullptr;
  std::string account;
  std::string key;
  std::unique_ptr<Target> target;
  std::string settings;
  net::UvHandlePtr<uv_timer_t> timer;

  bool running = false;  // a run is between its claim and its record
  bool retired = false;  // no longer configured: free it when the run ends
  std::vector<store::DueDelivery> run;
  std::size_t next = 0;
  std::vector<store::DeliveryRecord> records;
  std::optional<std::int64_t> retry_at;  // backing off until then
  int temporary_failures = 0;            // in a row
  bool failing = false;
  std::string last_error;
  std::int64_t delivered = 0;
};

Queue::Queue(uv_loop_t* loop, fetch::ArchiveWriter& writer, std::string database_path, Options options)
    : loop_(loop),
      writer_(writer),
      log_(writer.archive()),
      database_path_(std::move(database_path)),
      options_(options),
      kick_(net::make_timer(loop)) {
  kick_->data = this;
  commits_ = writer_.subscribe([this](const common::Status& outcome) {
    if (outcome) wake();
  });
}

Queue::~Queue() = default;

common::Status Queue::configure(const std::string& account, std::vector<LaneSpec> specs) {
  std::vector<std::string> keys;
  for (const auto& spec : specs) keys.push_back(spec.key);
  commit_open_batch();
  if (auto s = log_.set_targets(account, keys, now_seconds()); !s) return s;
  // Lanes of this account whose key is gone or whose settings changed.
  auto unchanged = [&specs](const Lane& lane) {
    return std::any_of(specs.begin(), specs.end(),
                       [&lane](const LaneSpec& spec) { return spec.key == lane.key && spec.settings == lane.settings; });
  };
  for (auto it = lanes_.begin(); it != lanes_.end();) {
    if (it->first.first == account && !unchanged(*it->second)) {
      std::unique_ptr<Lane> lane = std::move(it->second);
      it = lanes_.erase(it);
      if (lane->running) {
        lane->retired = true;
        retired_.push_back(std::move(lane));
      }
    } else {
      ++it;
    }
  }
  for (auto& spec : specs) {
    const LaneKey key{account, spec.key};
    if (lanes_.count(key) != 0) continue;
    auto lane = std::make_unique<Lane>();
    lane->queue = this;
    lane->account = account;
    lane->key = spec.key;
    lane->target = std::move(spec.target);
    lane->settings = std::move(spec.settings);
    lane->timer = net::make_timer(loop_);
    lane->timer->data = lane.get();
    lanes_.emplace(key, std::move(lane));
  }
  if (keys.empty()) locks_.erase(account);
  wake();
  return {};
}

void Queue::wake() {
  if (kick_pending_) return;  // the pending kick starts them all
  kick_pending_ = true;
  uv_timer_start(
      kick_.get(), [](uv_timer_t* t) { static_cast<Queue*>(t->data)->kick(); },
      static_cast<std::uint64_t>(options_.gather.count()), 0);
}

void Queue::kick() {
  kick_pending_ = false;
  std::erase_if(retired_, [](const std::unique_ptr<Lane>& lane) { return !lane->running; });
  const auto now = now_seconds();
  for (auto& [key, lane] : lanes_) {
    if (lane->running || (lane->retry_at && *lane->retry_at > now)) continue;
    start(*lane);
  }
  check_idle();
}

common::Result<std::int64_t> Queue::retry(const std::string& account) {
  commit_open_batch();
  auto count = log_.retry_failed(account);
  if (!count) return count;
  for (auto& [key, lane] : lanes_) {
    if (lane->account != account) continue;
    lane->retry_at.reset();
    lane->temporary_failures = 0;
  }
  wake();
  return count;
}

void Queue::when_idle(std::function<void()> idle) {
  idle_waiters_.push_back(std::move(idle));
  // Someone waits for the end: nothing more will be gathered, start now.
  uv_timer_stop(kick_.get());
  kick_pending_ = true;
  uv_timer_start(
      kick_.get(), [](uv_timer_t* t) { static_cast<Queue*>(t->data)->kick(); }, 0, 0);
  if (stopping_) check_idle();
}

void Queue::stop(std::function<void()> done) {
  stopping_ = true;
  stopped_ = std::move(done);
  uv_timer_stop(kick_.get());
  kick_pending_ = false;
  for (auto& [key, lane] : lanes_) uv_timer_stop(lane->timer.get());
  check_stopped();
}

void Queue::cancel() {
  for (auto& [key, lane] : lanes_) {
    if (lane->running) lane->target->cancel();
  }
  for (auto& lane : retired_) {
    if (lane->running) lane->target->cancel();
  }
}

std::vector<Queue::LaneStatus> Queue::status() const {
  std::vector<LaneStatus> out;
  for (const auto& [key, lane] : lanes_) {
    out.push_back({lane->account, lane->key, lane->failing, lane->last_error, lane->retry_at, lane->delivered});
  }
  return out;
}

void Queue::commit_open_batch() {
  if (!writer_.has_uncommitted()) return;
  if (auto s = writer_.commit(); !s) common::log_warn("", "delivery: committing the open batch: " + s.error().message);
}

bool Queue::holds_lock(const std::string& account) {
  if (locks_.count(account) != 0) return true;
  auto lock = store::AccountLock::try_acquire(database_path_, account, store::AccountLock::Purpose::Delivery);
  if (!lock) {
    common::log_warn(account, "delivery: " + lock.error().message);
    return false;
  }
  if (!*lock) return false;
  locks_.emplace(account, std::move(**lock));
  return true;
}

// Takes the next due messages of the lane and claims them; idle when none.
void Queue::start(Lane& lane) {
  if (stopping_ || lane.running) return;
  if (!holds_lock(lane.account)) {
    common::log_info(lane.account, "delivery to " + lane.key + " waits: another popfetchd is delivering");
    return wait(lane, options_.first_retry);
  }
  commit_open_batch();
  const auto now = now_seconds();
  auto due = log_.due(lane.account, lane.key, now, options_.run_size);
  if (!due) {
    common::log_error(lane.account, "delivery to " + lane.key + ": " + due.error().message);
    return wait(lane, options_.first_retry);
  }
  if (due->empty()) {
    lane.retry_at.reset();
    auto next = log_.next_due(lane.account, lane.key);
    if (next && *next && **next > now) wait(lane, std::chrono::seconds(**next - now));
    return;
  }
  std::vector<std::int64_t> ids;
  for (const auto& d : *due) ids.push_back(d.message_id);
  if (auto s = log_.claim(lane.key, ids); !s) {
    common::log_error(lane.account, "delivery to " + lane.key + ": " + s.error().message);
    return wait(lane, options_.first_retry);
  }
  lane.running = true;
  lane.run = std::move(*due);
  lane.next = 0;
  lane.records.clear();
  deliver_next(lane);
}

void Queue::deliver_next(Lane& lane) {
  while (lane.next < lane.run.size() && !stopping_) {
    const auto& due = lane.run[lane.next];
    auto message = log_.message(due.message_id);
    if (message && *message) {
      auto shared = std::make_shared<Message>(Message{(*message)->id, std::move((*message)->account),
                                                      std::move((*message)->uidl), (*message)->fetched_at,
                                                      std::move((*message)->raw)});
      Lane* target_lane = &lane;
      lane.target->deliver(Attempt{std::move(shared), due.in_doubt},
                           [this, target_lane](Outcome outcome) { on_outcome(*target_lane, std::move(outcome)); });
      return;
    }
    // Not readable (a storage error) or gone: skip it for now, leave it pending.
    const std::string why = message ? "the message is not in the archive" : message.error().message;
    common::log_error(lane.account, "delivery to " + lane.key + ": message " + std::to_string(due.message_id) +
                                        ": " + why);
    lane.records.push_back({due.message_id, store::DeliveryRecord::Kind::Failed, 0, why});
    ++lane.next;
  }
  finish_run(lane);
}

void Queue::on_outcome(Lane& lane, Outcome outcome) {
  const auto id = lane.run[lane.next].message_id;
  ++lane.next;
  using Kind = store::DeliveryRecord::Kind;
  switch (outcome.verdict) {
    case Verdict::Delivered:
      lane.records.push_back({id, Kind::Delivered, 0, ""});
      lane.temporary_failures = 0;
      lane.failing = false;
      lane.last_error.clear();
      return deliver_next(lane);
    case Verdict::Permanent:
      common::log_error(lane.account, "delivery of message " + std::to_string(id) + " to " + lane.key +
                                          " failed for good: " + outcome.detail);
      lane.records.push_back({id, Kind::Failed, 0, outcome.detail});
      lane.failing = true;
      lane.last_error = outcome.detail;
      return deliver_next(lane);
    case Verdict::Temporary: {
      ++lane.temporary_failures;
      const int doublings = std::min(lane.temporary_failures - 1, 20);
      const std::chrono::seconds delay =
          std::min<std::chrono::seconds>(options_.max_retry, options_.first_retry * (1LL << doublings));
      common::log_warn(lane.account, "delivery of message " + std::to_string(id) + " to " + lane.key +
                                         " failed, retrying in " + std::to_string(delay.count()) +
                                         "s: " + outcome.detail);
      lane.records.push_back({id, Kind::Retry, now_seconds() + delay.count(), outcome.detail});
      lane.failing = true;
      lane.last_error = outcome.detail;
      lane.retry_at = now_seconds() + delay.count();
      return finish_run(lane);
    }
  }
}

// The run ends (done, stopped, or a temporary failure): the rest was not
// started; what was delivered is made durable, then everything is recorded.
void Queue::finish_run(Lane& lane) {
  for (; lane.next < lane.run.size(); ++lane.next) {
    lane.records.push_back({lane.run[lane.next].message_id, store::DeliveryRecord::Kind::NotStarted, 0, ""});
  }
  Lane* flushed_lane = &lane;
  lane.target->flush([this, flushed_lane](common::Status flushed) {
    if (!flushed) {
      common::log_error(flushed_lane->account,
                        "delivery to " + flushed_lane->key + ": " + flushed.error().message +
                            "; its messages are checked again before the next attempt");
    }
    record_run(*flushed_lane, flushed.ok());
  });
}

void Queue::record_run(Lane& lane, bool flushed) {
  std::vector<store::DeliveryRecord> records;
  std::int64_t delivered = 0;
  for (auto& r : lane.records) {
    // Not known to be durable: leave it claimed, so the next attempt is "in
    // doubt" and checks the target before delivering again.
    if (r.kind == store::DeliveryRecord::Kind::Delivered && !flushed) continue;
    if (r.kind == store::DeliveryRecord::Kind::Delivered) ++delivered;
    records.push_back(std::move(r));
  }
  commit_open_batch();
  if (auto s = log_.record(lane.key, records, now_seconds()); !s) {
    common::log_error(lane.account, "delivery to " + lane.key + ": " + s.error().message);
  } else {
    lane.delivered += delivered;
  }
  lane.running = false;
  lane.run.clear();
  lane.records.clear();
  if (lane.retired) {
    wake();  // kick() frees it: we may be inside its Target's flush() now
  } else if (!flushed) {
    wait(lane, options_.first_retry);
  } else if (lane.retry_at) {
    wait(lane, std::chrono::seconds(std::max<std::int64_t>(0, *lane.retry_at - now_seconds())));
  } else if (!stopping_) {
    start(lane);  // more may be due
  }
  check_idle();
  check_stopped();
}

void Queue::wait(Lane& lane, std::chrono::seconds delay) {
  if (stopping_) return;
  const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(delay.count(), 1)) * 1000;
  uv_timer_start(lane.timer.get(), &Queue::on_timer, ms, 0);
}

void Queue::on_timer(uv_timer_t* timer) {
  auto* lane = static_cast<Lane*>(timer->data);
  lane->queue->start(*lane);
  lane->queue->check_idle();
}

void Queue::check_idle() {
  if (idle_waiters_.empty() || (kick_pending_ && !stopping_)) return;
  const auto now = now_seconds();
  for (const auto& [key, lane] : lanes_) {
    if (lane->running) return;
    if (stopping_ || !lane->retry_at || *lane->retry_at > now) continue;
    return;  // backoff over but not started yet
  }
  for (const auto& lane : retired_) {
    if (lane->running) return;
  }
  auto waiters = std::move(idle_waiters_);
  idle_waiters_.clear();
  for (auto& idle : waiters) idle();
}

void Queue::check_stopped() {
  if (!stopping_ || !stopped_) return;
  for (const auto& [key, lane] : lanes_) {
    if (lane->running) return;
  }
  for (const auto& lane : retired_) {
    if (lane->running) return;
  }
  auto done = std::move(stopped_);
  stopped_ = nullptr;
  done();
}

}  // namespace deliver
