// MdaTarget: one uv_spawn'ed child per delivery; see mda_target.hpp.
#include "deliver/mda_target.hpp"

#include "deliver/line_ends.hpp"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>
#include <utility>

#include "common/child_spawn.hpp"
#include "common/sanitize.hpp"
#include "deliver/message_form.hpp"
#include "net/address.hpp"
#include "net/uv.hpp"

namespace deliver {
namespace {

// What of the kept stderr goes into the outcome's detail (one log line).
constexpr std::size_t kMaxStderrQuoted = 1024;
// After the MDA exited, how long a descendant still holding its stderr open
// may delay the outcome.
constexpr std::chrono::milliseconds kStderrDrain{1000};

std::string with_stderr(std::string detail, const std::string& stderr_text) {
  const std::string line = common::one_line(stderr_text, kMaxStderrQuoted);
  if (!line.empty()) detail += ": " + line;
  return detail;
}

}  // namespace

class MdaTarget::Run {
 public:
  Run(MdaTarget& owner, std::shared_ptr<const Message> message, Done done)
      : owner_(&owner), input_(crlf_to_lf(message->raw)), done_(std::move(done)) {}

  void start();
  void abandon();

 private:
  void close(uv_handle_t* handle, bool& flag);
  void close_all(bool keep_process);

  void spawn_failed(int status);
  void timer_fired();
  void exited(std::int64_t status, int signal);
  void stderr_read(ssize_t n, const uv_buf_t* buf);
  void maybe_finish();
  Outcome exit_outcome() const;
  void finish(Outcome outcome);

  net::CloseLatch latch_{[this] { delete this; }};
  MdaTarget* owner_;
  std::string input_;
  Done done_;
  std::string stderr_;
  char buffer_[4096];
  uv_process_t process_{};
  uv_pipe_t stdin_{};
  uv_pipe_t stderr_pipe_{};
  uv_timer_t timer_{};
  uv_write_t write_{};
  bool process_open_ = false, stdin_open_ = false, stderr_open_ = false, timer_open_ = false;
  bool spawned_ = false, exited_ = false, stderr_done_ = false, timed_out_ = false, finished_ = false;
  std::int64_t exit_status_ = 0;
  int term_signal_ = 0;
  std::optional<Outcome> early_;  // spawn failed: reported from the timer, a loop turn later
};

void MdaTarget::Run::close(uv_handle_t* handle, bool& flag) {
  if (!flag) return;
  flag = false;
  uv_close(handle, [](uv_handle_t* closed) { static_cast<Run*>(closed->data)->latch_.release(); });
}

void MdaTarget::Run::close_all(bool keep_process) {
  close(reinterpret_cast<uv_handle_t*>(&stdin_), stdin_open_);
  close(reinterpret_cast<uv_handle_t*>(&stderr_pipe_), stderr_open_);
  close(reinterpret_cast<uv_handle_t*>(&timer_), timer_open_);
  if (!keep_process) close(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
}

void MdaTarget::Run::start() {
  net::CloseLatch::Busy busy(latch_);
  uv_loop_t* loop = owner_->loop_;
  uv_timer_init(loop, &timer_);
  latch_.opened(timer_, this, timer_open_);
  uv_pipe_init(loop, &stdin_, 0);
  latch_.opened(stdin_, this, stdin_open_);
  uv_pipe_init(loop, &stderr_pipe_, 0);
  latch_.opened(stderr_pipe_, this, stderr_open_);
  if (owner_->argv_.empty()) {
    early_ = Outcome{Verdict::Permanent, "the mda has no program to run"};
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<Run*>(t->data)->timer_fired(); }, 0, 0);
    return;
  }

  uv_stdio_container_t stdio[3];
  stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
  stdio[0].data.stream = reinterpret_cast<uv_stream_t*>(&stdin_);
  stdio[1].flags = UV_IGNORE;  // libuv opens /dev/null for an ignored 0..2
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&stderr_pipe_);
  common::ChildSpawn spec;
  spec.argv = owner_->argv_;
  spec.withheld_env = owner_->withheld_env_;
  spec.stdio = stdio;
  spec.stdio_count = 3;
  spec.on_exit = [](uv_process_t* p, std::int64_t status, int signal) {
    static_cast<Run*>(p->data)->exited(status, signal);
  };
  const int rc = common::spawn_child(loop, &process_, spec);
  latch_.opened(process_, this, process_open_);  // initialised even when the spawn failed
  if (rc != 0) return spawn_failed(rc);
  spawned_ = true;

  uv_buf_t buf = uv_buf_init(input_.data(), static_cast<unsigned>(input_.size()));
  write_.data = this;
  latch_.hold();
  const int written = uv_write(&write_, reinterpret_cast<uv_stream_t*>(&stdin_), &buf, 1,
                               [](uv_write_t* req, int /*status*/) {
                                 // Any status: written, EPIPE (the MDA stopped reading; its exit status
                                 // decides), ECANCELED (we are closing). EOF on its stdin either way.
                                 Run* run = static_cast<Run*>(req->data);
                                 net::CloseLatch::Busy busy(run->latch_);
                                 run->close(reinterpret_cast<uv_handle_t*>(&run->stdin_), run->stdin_open_);
                                 run->latch_.release();
                               });
  if (written != 0) {  // no callback will come: the MDA just gets EOF
    latch_.release();
    close(reinterpret_cast<uv_handle_t*>(&stdin_), stdin_open_);
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&stderr_pipe_),
      [](uv_handle_t* h, std::size_t, uv_buf_t* b) {
        Run* run = static_cast<Run*>(h->data);
        *b = uv_buf_init(run->buffer_, sizeof run->buffer_);
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) { static_cast<Run*>(s->data)->stderr_read(n, b); });
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<Run*>(t->data)->timer_fired(); },
      static_cast<std::uint64_t>(owner_->timeout_.count()), 0);
}

void MdaTarget::Run::spawn_failed(int status) {
  const bool permanent = status == UV_ENOENT || status == UV_EACCES ||
                         status == -ENOEXEC /* libuv has no name; on Unix its codes are -errno */ ||
                         status == UV_ENOTDIR || status == UV_EISDIR;
  early_ =
      Outcome{permanent ? Verdict::Permanent : Verdict::Temporary,
              "cannot run " + common::sanitize(owner_->argv_.front()) + ": " + net::uv_error_text(status)};
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<Run*>(t->data)->timer_fired(); }, 0, 0);
}

void MdaTarget::Run::timer_fired() {
  net::CloseLatch::Busy busy(latch_);
  if (early_) return finish(*early_);
  if (exited_) {  // the drain after exit is over: a descendant holds stderr
    stderr_done_ = true;
    return maybe_finish();
  }
  if (!timed_out_) {
    timed_out_ = true;
    ::kill(-process_.pid, SIGTERM);
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<Run*>(t->data)->timer_fired(); },
        static_cast<std::uint64_t>(kMdaKillGrace.count()), 0);
    return;
  }
  ::kill(-process_.pid, SIGKILL);
}

void MdaTarget::Run::exited(std::int64_t status, int signal) {
  net::CloseLatch::Busy busy(latch_);
  exited_ = true;
  exit_status_ = status;
  term_signal_ = signal;
  if (owner_ == nullptr) {  // abandoned: it was only kept to be reaped
    close(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
    return;
  }
  if (!stderr_done_) {
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<Run*>(t->data)->timer_fired(); },
        static_cast<std::uint64_t>(kStderrDrain.count()), 0);
  }
  maybe_finish();
}

void MdaTarget::Run::stderr_read(ssize_t n, const uv_buf_t* buf) {
  net::CloseLatch::Busy busy(latch_);
  if (n > 0) {
    // Keep reading past the limit, so a chatty MDA never blocks on a full pipe.
    const auto room = kMaxMdaStderr - std::min(kMaxMdaStderr, stderr_.size());
    stderr_.append(buf->base, std::min(room, static_cast<std::size_t>(n)));
    return;
  }
  if (n == 0) return;
  stderr_done_ = true;  // EOF or a read error: nothing more to read
  close(reinterpret_cast<uv_handle_t*>(&stderr_pipe_), stderr_open_);
  maybe_finish();
}

void MdaTarget::Run::maybe_finish() {
  if (exited_ && stderr_done_ && owner_ != nullptr) finish(exit_outcome());
}

Outcome MdaTarget::Run::exit_outcome() const {
  if (timed_out_) {
    return Outcome{
        Verdict::Temporary,
        with_stderr("did not finish within " + net::format_duration(owner_->timeout_) + " and was killed",
                    stderr_)};
  }
  if (term_signal_ != 0) {
    return Outcome{Verdict::Temporary, with_stderr("killed by signal " + std::to_string(term_signal_) + " (" +
                                                       ::strsignal(term_signal_) + ")",
                                                   stderr_)};
  }
  if (exit_status_ == 0) return Outcome{Verdict::Delivered, ""};
  const std::string exit_text = "exit " + std::to_string(exit_status_);
  if (exit_status_ == 75)
    return Outcome{Verdict::Temporary, with_stderr(exit_text + " (temporary failure)", stderr_)};
  return Outcome{Verdict::Permanent, with_stderr(exit_text, stderr_)};
}

void MdaTarget::Run::finish(Outcome outcome) {
  if (finished_) return;
  finished_ = true;
  close_all(false);
  Done done = std::move(done_);
  std::erase(owner_->runs_, this);
  owner_ = nullptr;
  latch_.let_go();  // freed once the handles are closed and this call returned (Busy)
  done(std::move(outcome));
}

void MdaTarget::Run::abandon() {
  net::CloseLatch::Busy busy(latch_);
  owner_ = nullptr;
  done_ = nullptr;
  finished_ = true;
  const bool running = spawned_ && !exited_;
  if (running) ::kill(-process_.pid, SIGKILL);
  // A running child's handle stays open until its exit callback reaps it.
  close_all(running);
  latch_.let_go();
}

MdaTarget::MdaTarget(uv_loop_t* loop, const config::DeliveryTarget& config,
                     std::vector<std::string> withheld_env)
    : loop_(loop),
      argv_(config.argv),
      withheld_env_(std::move(withheld_env)),
      timeout_(std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout)) {
  common::ignore_sigpipe_if_unhandled();
}

MdaTarget::~MdaTarget() {
  for (Run* run : std::exchange(runs_, {})) run->abandon();
}

void MdaTarget::deliver(Attempt attempt, Done done) {
  auto* run = new Run(*this, std::move(attempt.message), std::move(done));
  runs_.push_back(run);
  run->start();
}

}  // namespace deliver
