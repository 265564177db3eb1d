// HookRunner: one uv_spawn'ed child per hook run; see hook_runner.hpp.
#include "daemon/hook_runner.hpp"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "common/child_spawn.hpp"
#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "net/address.hpp"
#include "net/uv.hpp"

namespace popfetchd::daemon {
namespace {

// Of the output, only the first line is logged; more is read and dropped so
// that a chatty hook never blocks on a full pipe.
constexpr std::size_t kMaxOutputKept = 4096;
constexpr std::size_t kMaxLogged = 300;
constexpr std::size_t kMaxErrorInEnv = 400;
// After the hook exited, how long a descendant still holding the pipe open
// may delay the log line.
constexpr std::chrono::milliseconds kOutputDrain{1000};

std::string_view key_of(HookEvent event) { return event == HookEvent::NewMail ? "on_new_mail" : "on_failure"; }

}  // namespace

std::string_view to_string(HookEvent event) {
  switch (event) {
    case HookEvent::Failing:
      return "failing";
    case HookEvent::Recovered:
      return "recovered";
    case HookEvent::NewMail:
      return "new_mail";
  }
  return "unknown";
}

std::vector<std::string> hook_environment(const HookCall& call) {
  return {
      "POPFETCHD_ACCOUNT=" + call.account,
      "POPFETCHD_EVENT=" + std::string(to_string(call.event)),
      "POPFETCHD_NEW_MESSAGES=" + std::to_string(call.new_messages),
      "POPFETCHD_ERROR=" + common::one_line(call.error, kMaxErrorInEnv),
  };
}

class HookRunner::Run {
 public:
  Run(HookRunner& owner, std::vector<std::string> argv, HookCall call)
      : owner_(&owner), argv_(std::move(argv)) {
    result_.call = std::move(call);
  }
  void start(const std::vector<std::string>& withheld_env);
  void abandon();

 private:
  void close(uv_handle_t* handle, bool& flag);
  void exited(std::int64_t status, int signal);
  void output(ssize_t n, const uv_buf_t* buf);
  void timer_fired();
  void start_timer(std::chrono::milliseconds after);
  void maybe_finish();
  void finish();
  void log() const;

  HookRunner* owner_;
  std::vector<std::string> argv_;
  HookResult result_;
  std::string output_;
  char buffer_[4096];
  uv_process_t process_{};
  uv_pipe_t pipe_{};
  uv_timer_t timer_{};
  bool process_open_ = false, pipe_open_ = false, timer_open_ = false;
  bool exited_ = false, output_done_ = false, finished_ = false;
  // Frees the run once it is finished (or abandoned) and every handle it
  // opened has called back from uv_close.
  net::CloseLatch latch_{[this] { delete this; }};
};

void HookRunner::Run::close(uv_handle_t* handle, bool& flag) {
  if (!flag) return;
  flag = false;
  uv_close(handle, [](uv_handle_t* h) { static_cast<Run*>(h->data)->latch_.release(); });
}

void HookRunner::Run::start_timer(std::chrono::milliseconds after) {
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<Run*>(t->data)->timer_fired(); },
      static_cast<std::uint64_t>(after.count()), 0);
}

void HookRunner::Run::start(const std::vector<std::string>& withheld_env) {
  uv_loop_t* loop = owner_->loop_;
  uv_timer_init(loop, &timer_);
  latch_.opened(timer_, this, timer_open_);
  uv_file fds[2] = {-1, -1};
  int rc = uv_pipe(fds, 0, 0);  // both ends close-on-exec; the child gets its ends by dup2
  if (rc == 0) {
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;  // /dev/null
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = fds[1];
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = fds[1];
    common::ChildSpawn spec;
    spec.argv = argv_;
    spec.withheld_env = withheld_env;
    spec.extra_env = hook_environment(result_.call);
    spec.stdio = stdio;
    spec.stdio_count = 3;
    spec.on_exit = [](uv_process_t* p, std::int64_t status, int signal) {
      static_cast<Run*>(p->data)->exited(status, signal);
    };
    rc = common::spawn_child(loop, &process_, spec);
    latch_.opened(process_, this, process_open_);  // initialised even when the spawn failed
    ::close(fds[1]);
  }
  if (rc != 0) {
    if (fds[0] >= 0) ::close(fds[0]);
    result_.first_line = "cannot run " + common::sanitize(argv_.front()) + ": " + net::uv_error_text(rc);
    exited_ = output_done_ = true;
    start_timer(std::chrono::milliseconds{0});  // reported a loop turn later, as any other end
    return;
  }
  result_.started = true;
  uv_pipe_init(loop, &pipe_, 0);
  latch_.opened(pipe_, this, pipe_open_);
  uv_pipe_open(&pipe_, fds[0]);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&pipe_),
      [](uv_handle_t* h, std::size_t, uv_buf_t* b) {
        Run* run = static_cast<Run*>(h->data);
        *b = uv_buf_init(run->buffer_, sizeof run->buffer_);
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) { static_cast<Run*>(s->data)->output(n, b); });
  start_timer(owner_->time_limit_);
}

void HookRunner::Run::output(ssize_t n, const uv_buf_t* buf) {
  if (n > 0) {
    const auto room = kMaxOutputKept - std::min(kMaxOutputKept, output_.size());
    output_.append(buf->base, std::min(room, static_cast<std::size_t>(n)));
    return;
  }
  if (n == 0) return;
  output_done_ = true;  // EOF or a read error
  close(reinterpret_cast<uv_handle_t*>(&pipe_), pipe_open_);
  maybe_finish();
}

void HookRunner::Run::timer_fired() {
  if (exited_) {  // the drain is over (or the spawn failed)
    output_done_ = true;
    return maybe_finish();
  }
  result_.timed_out = true;
  ::kill(-process_.pid, SIGKILL);
}

void HookRunner::Run::exited(std::int64_t status, int signal) {
  exited_ = true;
  result_.exit_status = status;
  result_.term_signal = signal;
  if (owner_ == nullptr) {  // abandoned: kept open only to be reaped
    close(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
    return;
  }
  if (!output_done_) start_timer(kOutputDrain);
  maybe_finish();
}

void HookRunner::Run::maybe_finish() {
  if (exited_ && output_done_ && owner_ != nullptr && !finished_) finish();
}

void HookRunner::Run::finish() {
  finished_ = true;
  close(reinterpret_cast<uv_handle_t*>(&pipe_), pipe_open_);
  close(reinterpret_cast<uv_handle_t*>(&timer_), timer_open_);
  close(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
  if (result_.started) result_.first_line = common::one_line(output_.substr(0, output_.find('\n')), kMaxLogged);
  log();
  HookRunner* owner = std::exchange(owner_, nullptr);
  std::erase(owner->runs_, this);
  if (owner->on_finished_) owner->on_finished_(result_);
  latch_.let_go();  // last: may free the run
}

void HookRunner::Run::log() const {
  const HookCall& call = result_.call;
  std::string line = std::string(key_of(call.event)) + " hook (" + std::string(to_string(call.event)) + ") ";
  if (!result_.started) {
    line += "failed: " + result_.first_line;
  } else if (result_.timed_out) {
    line += "did not finish within " + net::format_duration(owner_->time_limit_) + " and was killed";
  } else if (result_.term_signal != 0) {
    line += "killed by signal " + std::to_string(result_.term_signal) + " (" + ::strsignal(result_.term_signal) + ")";
  } else {
    line += result_.exit_status == 0 ? "done" : "failed: exit " + std::to_string(result_.exit_status);
  }
  if (result_.started && !result_.first_line.empty()) line += ": " + result_.first_line;
  if (result_.ok()) {
    common::log_info(call.account, line);
  } else {
    common::log_warn(call.account, line);
  }
}

void HookRunner::Run::abandon() {
  owner_ = nullptr;
  finished_ = true;
  const bool running = result_.started && !exited_;
  if (running) ::kill(-process_.pid, SIGKILL);
  close(reinterpret_cast<uv_handle_t*>(&pipe_), pipe_open_);
  close(reinterpret_cast<uv_handle_t*>(&timer_), timer_open_);
  // A running child's handle stays open until its exit callback reaps it.
  if (!running) close(reinterpret_cast<uv_handle_t*>(&process_), process_open_);
  latch_.let_go();  // last: may free the run
}

HookRunner::HookRunner(uv_loop_t* loop, std::chrono::milliseconds time_limit)
    : loop_(loop), time_limit_(time_limit) {}

HookRunner::~HookRunner() {
  for (Run* run : std::exchange(runs_, {})) run->abandon();
}

void HookRunner::run(const std::vector<std::string>& argv, HookCall call,
                     const std::vector<std::string>& withheld_env) {
  if (argv.empty()) return;
  auto* run = new Run(*this, argv, std::move(call));
  runs_.push_back(run);
  run->start(withheld_env);
}

}  // namespace popfetchd::daemon
