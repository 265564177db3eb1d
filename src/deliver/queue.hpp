#pragma once
// deliver::Queue: drives every delivery target of every account on the loop,
// from the archive's delivery table (store/delivery_log.hpp). One "lane" per
// (account, target): a lane takes up to Options::run_size due messages,
// claims them (durably, before anything is delivered), hands them to its
// Target one at a time, makes the results durable (Target::flush) and
// records them. Lanes run independently: a Maildir is written while an LMTP
// server is down, and nothing here ever waits on a poll or delays one.
//
// Failures: a Temporary outcome stops the lane's run and backs the lane off
// (Options::first_retry, doubling up to max_retry; the message is due again
// then); a Permanent one marks that message failed (retried only by
// retry_failed(): a reload or POST /deliver/<account>) and the run goes on
// with the next message.
//
// One process delivers an account at a time: a lane runs only while this
// queue holds the account's delivery lock (store::AccountLock, Purpose::
// Delivery); when another process (`popfetchd deliver`) holds it, the lane
// tries again after first_retry.
//
// Reads and writes go through the ArchiveWriter's archive; the writer's open
// batch is committed first, so the queue never sees (and never delivers) a
// message that is not durable yet.
//
// Owns its lanes, their Targets and timers (closed by the destructor: call
// stop() and run the loop until it calls back first). Not thread-safe.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "deliver/target.hpp"
#include "fetch/archive_writer.hpp"
#include "net/uv.hpp"
#include "store/account_lock.hpp"
#include "store/delivery_log.hpp"

namespace deliver {

class Queue {
 public:
  struct Options {
    // Messages claimed (one transaction) per run; a run costs four syncs
    // whatever its size (claim, the target's flush, fsync of new/, record).
    std::int64_t run_size = 256;
    // How long a wake gathers commits before the lanes start: a poll
    // commits every few milliseconds, and a run per commit would sync per
    // handful of messages. Mail arrives this much later, in larger runs.
    std::chrono::milliseconds gather{250};
    std::chrono::seconds first_retry{30};
    std::chrono::seconds max_retry{3600};
  };

  // One target of an account, ready to run.
  struct LaneSpec {
    std::string key;  // config::DeliveryTarget::key()
    std::unique_ptr<Target> target;
    // Every setting of the target: a lane whose key stays but whose
    // settings changed (an LMTP recipient, an MDA's timeout) gets the new Target.
    std::string settings;
  };

  // How a lane is doing, for /health, status and /metrics.
  struct LaneStatus {
    std::string account;
    std::string key;
    bool failing = false;     // its last attempt failed (and nothing was delivered since)
    std::string last_error;   // of that attempt
    std::optional<std::int64_t> retry_at;  // backing off until then (unix seconds)
    std::int64_t delivered = 0;  // by this process since it started
  };

  Queue(uv_loop_t* loop, fetch::ArchiveWriter& writer, std::string database_path, Options options);
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue();

  // Sets the targets of `account` (all of them; empty: none): records them
  // in the archive (new ones start with the messages stored from now on) and
  // starts a lane for each key not running yet. A lane whose key is gone
  // stops after its current attempt; a key that stays with the same
  // settings keeps its lane (and its Target: the one in `specs` is dropped).
  common::Status configure(const std::string& account, std::vector<LaneSpec> specs);

  // Something may be due: starts every idle lane that is not backing off,
  // from the loop Options::gather later (many wakes in a row start them once).
  // Every successful commit of the writer wakes the queue by itself.
  void wake();
  // Failed messages of `account`, and those waiting for a retry, are due
  // now; its lanes stop backing off and start (reload, POST
  // /deliver/<account>). Returns how many messages that made due.
  common::Result<std::int64_t> retry(const std::string& account);

  // Calls `idle` once (from the loop) as soon as no lane is running or has
  // anything due now: what `poll-once` and `popfetchd deliver` wait for.
  // Starts the lanes at once (no gathering: the caller's work is done).
  // Messages waiting for a retry do not count as due.
  void when_idle(std::function<void()> idle);

  // No new attempts; `done` is called (from the loop) when nothing is in flight.
  void stop(std::function<void()> done);
  // After stop(): cuts the attempts still in flight short (Target::cancel).
  void cancel();

  std::vector<LaneStatus> status() const;
  store::DeliveryLog& log() { return log_; }

 private:
  struct Lane;
  using LaneKey = std::pair<std::string, std::string>;  // account, target key

  void start(Lane& lane);
  void deliver_next(Lane& lane);
  void on_outcome(Lane& lane, Outcome outcome);
  void finish_run(Lane& lane);
  void record_run(Lane& lane, bool flushed);
  void wait(Lane& lane, std::chrono::seconds delay);
  bool holds_lock(const std::string& account);
  void commit_open_batch();
  void check_idle();
  void check_stopped();
  void kick();  // what wake() schedules
  static void on_timer(uv_timer_t* timer);

  uv_loop_t* loop_;
  fetch::ArchiveWriter& writer_;
  store::DeliveryLog log_;
  std::string database_path_;
  Options options_;
  std::map<LaneKey, std::unique_ptr<Lane>> lanes_;
  std::vector<std::unique_ptr<Lane>> retired_;  // removed while running: freed when their run ends
  std::map<std::string, store::AccountLock> locks_;
  std::vector<std::function<void()>> idle_waiters_;
  std::function<void()> stopped_;
  bool stopping_ = false;
  bool kick_pending_ = false;
  net::UvHandlePtr<uv_timer_t> kick_;
  fetch::ArchiveWriter::Subscription commits_;
};

}  // namespace deliver
