#include "fetch/poll_runner.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace fetch {
namespace {

class AccountPollAdapter final : public Poll {
 public:
  AccountPollAdapter(uv_loop_t* loop, PollOptions options, ArchiveWriter& writer,
                     const pop3::Digests& digests, PollDone on_done)
      : poll_(loop, std::move(options), writer, digests, std::move(on_done)) {}
  void start() override { poll_.start(); }
  void stop() override { poll_.stop(); }

 private:
  AccountPoll poll_;
};

}  // namespace

PollFactory account_poll_factory(uv_loop_t* loop, ArchiveWriter& writer, const pop3::Digests& digests) {
  return [loop, &writer, &digests](PollOptions options, PollDone on_done) -> std::unique_ptr<Poll> {
    return std::make_unique<AccountPollAdapter>(loop, std::move(options), writer, digests,
                                                std::move(on_done));
  };
}

PollRunner::PollRunner(PollFactory factory, std::size_t max_concurrent, std::size_t max_per_server)
    : factory_(std::move(factory)),
      max_concurrent_(std::max<std::size_t>(1, max_concurrent)),
      servers_(max_per_server) {}

PollRunner::~PollRunner() { abandon(); }

bool PollRunner::submit(PollOptions options, Callbacks callbacks) {
  const std::string& name = options.account.name;
  if (stopped_ || queued(name) || running(name)) return false;
  std::string server = server_key(options.account);
  queue_.push_back(Queued{std::move(options), std::move(callbacks), std::move(server)});
  start_more();
  return true;
}

bool PollRunner::cancel(std::string_view account) {
  auto it = std::find_if(queue_.begin(), queue_.end(),
                         [&](const Queued& queued) { return queued.options.account.name == account; });
  if (it == queue_.end()) return false;
  queue_.erase(it);
  return true;
}

void PollRunner::set_max_concurrent(std::size_t max_concurrent) {
  max_concurrent_ = std::max<std::size_t>(1, max_concurrent);
  start_more();
}

void PollRunner::set_max_per_server(std::size_t max_per_server) {
  servers_.set_max_per_server(max_per_server);
  start_more();
}

bool PollRunner::queued(std::string_view account) const {
  return std::any_of(queue_.begin(), queue_.end(),
                     [&](const Queued& queued) { return queued.options.account.name == account; });
}

bool PollRunner::running(std::string_view account) const { return running_.find(account) != running_.end(); }

void PollRunner::start_more() {
  // A poll may finish inside its own start() (the account lock is taken, a
  // password is missing), which calls start_more() again: the outer call
  // keeps going instead of recursing once per queued account.
  if (starting_) {
    start_again_ = true;
    return;
  }
  starting_ = true;
  do {
    start_again_ = false;
    while (!stopped_ && running_.size() < max_concurrent_) {
      // Without a cap per server this is always the front. With one, a
      // provider at its cap is passed over, not reordered: its polls start
      // in their turn as its own polls finish.
      auto it = std::find_if(queue_.begin(), queue_.end(),
                             [this](const Queued& queued) { return servers_.has_room(queued.server); });
      if (it == queue_.end()) break;
      Queued next = std::move(*it);
      queue_.erase(it);
      const std::string name = next.options.account.name;
      std::unique_ptr<Poll> poll = factory_(
          std::move(next.options), [this, name](PollReport report) { finished(name, std::move(report)); });
      Poll* raw = poll.get();
      std::function<void()> on_started = next.callbacks.on_started;
      servers_.take(next.server);
      running_.emplace(name, Running{std::move(poll), std::move(next.callbacks), std::move(next.server)});
      peak_running_ = std::max(peak_running_, running_.size());
      if (on_started) on_started();
      // Last use of `raw`: the poll may finish, and be destroyed, inside start().
      raw->start();
    }
  } while (start_again_);
  starting_ = false;
}

void PollRunner::finished(const std::string& account, PollReport report) {
  auto it = running_.find(account);
  if (it == running_.end()) return;
  // The poll is calling us as its last action: destroying it here is part of
  // the Poll contract, and keeps the finished session's memory from lingering.
  Running done = std::move(it->second);
  running_.erase(it);
  servers_.release(done.server);
  // Gone before its report is passed on, so a follow-up poll that on_done
  // submits never meets this one (its account lock, its connection).
  done.poll.reset();
  if (done.callbacks.on_done) done.callbacks.on_done(std::move(report));
  start_more();
}

void PollRunner::stop_all() {
  stopped_ = true;
  queue_.clear();
  // stop() may finish a poll at once, which erases it from running_: collect
  // the names first and look each one up again.
  std::vector<std::string> names;
  for (const auto& [name, running] : running_) names.push_back(name);
  for (const std::string& name : names) {
    auto it = running_.find(name);
    if (it != running_.end()) it->second.poll->stop();
  }
}

void PollRunner::abandon() {
  stopped_ = true;
  queue_.clear();
  std::map<std::string, Running, std::less<>> running = std::move(running_);
  running_.clear();
  servers_.clear();
  running.clear();
}

void add_follow_up(PollReport& total, const PollReport& next) {
  total.finished_at = next.finished_at;
  total.elapsed_ms += next.elapsed_ms;
  total.new_messages += next.new_messages;
  total.new_bytes += next.new_bytes;
  total.already_stored += next.already_stored;
  total.deleted += next.deleted;
  total.skipped_oversize = next.skipped_oversize;
  total.failed_messages = next.failed_messages;
  total.more_pending = next.more_pending;
  total.error = next.error;
  total.retry = next.retry;
  total.pipelining_suspect = next.pipelining_suspect;
  if (next.login_delay_seconds) total.login_delay_seconds = next.login_delay_seconds;
}

namespace {

// The state of one submit_until_done(): shared by the callbacks of its polls.
struct UntilDone : std::enable_shared_from_this<UntilDone> {
  PollRunner& runner;
  PollOptions options;
  PollRunner::Callbacks callbacks;
  std::optional<PollReport> total;

  UntilDone(PollRunner& r, PollOptions o, PollRunner::Callbacks c)
      : runner(r), options(std::move(o)), callbacks(std::move(c)) {}

  bool submit_next() {
    PollRunner::Callbacks next;
    next.on_started = callbacks.on_started;
    next.on_done = [self = shared_from_this()](PollReport report) { self->done(std::move(report)); };
    return runner.submit(options.duplicate(), std::move(next));
  }

  void done(PollReport report) {
    if (total) {
      add_follow_up(*total, report);
    } else {
      total = std::move(report);
    }
    // The runner destroyed the finished poll before this call: the next one
    // can take the account's lock.
    if (total->ok() && total->more_pending && !runner.stopped() && submit_next()) return;
    PollDone on_done = std::move(callbacks.on_done);
    PollReport result = std::move(*total);
    total.reset();
    if (on_done) on_done(std::move(result));
  }
};

}  // namespace

bool submit_until_done(PollRunner& runner, PollOptions options, PollRunner::Callbacks callbacks) {
  auto state = std::make_shared<UntilDone>(runner, std::move(options), std::move(callbacks));
  return state->submit_next();
}

}  // namespace fetch
