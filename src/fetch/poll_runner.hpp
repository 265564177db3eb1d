#pragma once
// PollRunner: runs polls on one libuv loop, at most `max_concurrent` at a
// time and at most `max_per_server` (0: no such cap) against one server (see
// server_slots.hpp), the rest waiting in a FIFO queue. Shared by the daemon's
// scheduler and `popfetchd poll-once` ("poll each selected account once, then
// exit").
//
// Rules it enforces: one account is never queued or running twice (submit()
// refuses); the first queued poll whose server has room starts next (the
// polls it passes keep their places, so a provider at its cap never holds up
// the accounts on other servers); a finished poll frees its slot and its
// server's; after stop_all() nothing new starts.
//
// Owns the running polls and the queue (each queued poll's options, which
// hold its resolved password until it starts). Never touches the archive, the
// config file or the network itself: a PollFactory makes the polls (the real
// one wraps AccountPoll; tests pass fakes). Not thread-safe: the loop's
// thread only. No errors of its own: a poll's failure is in its report.
//
// Callbacks may call back into the runner (submit a follow-up poll, cancel
// one); they must not destroy it.

#include <uv.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "fetch/account_poll.hpp"
#include "fetch/archive_writer.hpp"
#include "fetch/poll_report.hpp"
#include "fetch/server_slots.hpp"
#include "pop3/digests.hpp"

namespace fetch {

using PollDone = std::function<void(PollReport report)>;

// One poll as the runner sees it. The factory gives it a PollDone that it
// calls exactly once, as its very last action (the runner destroys the poll
// inside that call); possibly already inside start().
class Poll {
 public:
  virtual ~Poll() = default;
  virtual void start() = 0;
  // Finish what is in flight, store it, QUIT; the report follows (Aborted).
  virtual void stop() = 0;
};

using PollFactory = std::function<std::unique_ptr<Poll>(PollOptions options, PollDone on_done)>;

// AccountPoll on `loop`, writing through `writer`. Both (and
// `digests`) must outlive every poll the factory makes.
PollFactory account_poll_factory(uv_loop_t* loop, ArchiveWriter& writer, const pop3::Digests& digests);

class PollRunner {
 public:
  struct Callbacks {
    std::function<void()> on_started;  // optional: the poll left the queue and started
    PollDone on_done;                  // the poll's report; not called for cancel() or abandon()
  };

  PollRunner(PollFactory factory, std::size_t max_concurrent, std::size_t max_per_server = 0);
  PollRunner(const PollRunner&) = delete;
  PollRunner& operator=(const PollRunner&) = delete;
  // Destroys running polls without their reports (their connections close
  // hard): stop_all() and wait for the reports first for a clean end.
  ~PollRunner();

  // Queues a poll of options.account.name and starts it when a slot is free
  // (possibly before submit() returns). False, and nothing happens, when that
  // account is already queued or running, or after stop_all().
  bool submit(PollOptions options, Callbacks callbacks);
  // Drops a queued (not yet started) poll; its callbacks are never called.
  bool cancel(std::string_view account);

  // At least 1. Raising it starts queued polls at once; lowering it lets the
  // running ones finish.
  void set_max_concurrent(std::size_t max_concurrent);
  // 0: no cap per server. Raising it (or lifting it) starts queued polls at
  // once; lowering it lets the running ones finish.
  void set_max_per_server(std::size_t max_per_server);

  // Shutdown: drops the queue, stop()s every running poll (their reports
  // follow) and refuses new submissions.
  void stop_all();
  // Hard close: destroys every running poll now; their on_done is never called.
  void abandon();

  bool queued(std::string_view account) const;
  bool running(std::string_view account) const;
  std::size_t running_count() const { return running_.size(); }
  std::size_t queued_count() const { return queue_.size(); }
  std::size_t max_concurrent() const { return max_concurrent_; }
  std::size_t max_per_server() const { return servers_.max_per_server(); }
  // Polls running now against `server`, a server_key().
  std::size_t running_on(std::string_view server) const { return servers_.running_on(server); }
  // The most polls that ever ran at the same time (for reports and tests).
  std::size_t peak_running() const { return peak_running_; }
  bool stopped() const { return stopped_; }

 private:
  struct Queued {
    PollOptions options;
    Callbacks callbacks;
    std::string server;  // server_key(options.account), computed once
  };
  struct Running {
    std::unique_ptr<Poll> poll;
    Callbacks callbacks;
    std::string server;
  };

  void start_more();
  void finished(const std::string& account, PollReport report);

  PollFactory factory_;
  std::size_t max_concurrent_;
  ServerSlots servers_;
  std::deque<Queued> queue_;
  std::map<std::string, Running, std::less<>> running_;
  std::size_t peak_running_ = 0;
  bool starting_ = false;  // start_more() is on the stack
  bool start_again_ = false;
  bool stopped_ = false;
};

// Adds a follow-up poll of the same account to `total`: what was stored,
// retrieved again and deleted adds up, the elapsed time too; what is left
// (skipped, failed, more pending), the outcome and the server's hints are
// the follow-up's; `listed` and `started_at` stay the first poll's.
void add_follow_up(PollReport& total, const PollReport& next);

// Polls an account until its mailbox is done (`poll-once`): submits a poll
// and, each time one succeeds with more_pending (it hit the per-poll cap),
// submits the next with the same options at once, until one ends with
// nothing pending or fails, or the runner stops. callbacks.on_started runs
// for each poll; callbacks.on_done once, with the reports added up by
// add_follow_up. Keeps a copy of `options` (and so of the password) until
// then. False, and nothing happens, when the runner refuses the first poll.
bool submit_until_done(PollRunner& runner, PollOptions options, PollRunner::Callbacks callbacks);

}  // namespace fetch
