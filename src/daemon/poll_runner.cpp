#include "daemon/poll_runner.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace popfetchd::daemon {
namespace {

class AccountPollAdapter final : public Poll {
 public:
  AccountPollAdapter(uv_loop_t* loop, fetch::PollOptions options, fetch::ArchiveWriter& writer,
                     const pop3::Digests& digests, PollDone on_done)
      : poll_(loop, std::move(options), writer, digests, std::move(on_done)) {}
  void start() override { poll_.start(); }
  void stop() override { poll_.stop(); }

 private:
  fetch::AccountPoll poll_;
};

}  // namespace

PollFactory account_poll_factory(uv_loop_t* loop, fetch::ArchiveWriter& writer,
                                 const pop3::Digests& digests) {
  return [loop, &writer, &digests](fetch::PollOptions options, PollDone on_done) -> std::unique_ptr<Poll> {
    return std::make_unique<AccountPollAdapter>(loop, std::move(options), writer, digests,
                                                std::move(on_done));
  };
}

PollRunner::PollRunner(PollFactory factory, std::size_t max_concurrent)
    : factory_(std::move(factory)), max_concurrent_(std::max<std::size_t>(1, max_concurrent)) {}

PollRunner::~PollRunner() { abandon(); }

bool PollRunner::submit(fetch::PollOptions options, Callbacks callbacks) {
  const std::string& name = options.account.name;
  if (stopped_ || queued(name) || running(name)) return false;
  queue_.push_back(Queued{std::move(options), std::move(callbacks)});
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
    while (!stopped_ && !queue_.empty() && running_.size() < max_concurrent_) {
      Queued next = std::move(queue_.front());
      queue_.pop_front();
      const std::string name = next.options.account.name;
      std::unique_ptr<Poll> poll = factory_(std::move(next.options), [this, name](fetch::PollReport report) {
        finished(name, std::move(report));
      });
      Poll* raw = poll.get();
      std::function<void()> on_started = next.callbacks.on_started;
      running_.emplace(name, Running{std::move(poll), std::move(next.callbacks)});
      peak_running_ = std::max(peak_running_, running_.size());
      if (on_started) on_started();
      // Last use of `raw`: the poll may finish, and be destroyed, inside start().
      raw->start();
    }
  } while (start_again_);
  starting_ = false;
}

void PollRunner::finished(const std::string& account, fetch::PollReport report) {
  auto it = running_.find(account);
  if (it == running_.end()) return;
  // The poll is calling us as its last action: destroying it here is part of
  // the Poll contract, and keeps the finished session's memory from lingering.
  Running done = std::move(it->second);
  running_.erase(it);
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
  running.clear();
}

}  // namespace popfetchd::daemon
