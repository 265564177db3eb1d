#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>

#include "support/files.hpp"

extern char** environ;

namespace test_support {
namespace {

using common::ErrorKind;
using common::make_error;

// A program the fixtures run to completion (openssl) never needs this long.
constexpr std::chrono::milliseconds kRunTimeout{60'000};
// Poll step of the fallback wait when pidfd_open() is unavailable (old kernel
// or a seccomp filter): only the fixture waits like this, never a test.
constexpr std::chrono::milliseconds kFallbackPollStep{10};
constexpr std::size_t kOutputTailLines = 20;

std::string errno_text(const char* what, int error) {
  return std::string(what) + ": " + std::strerror(error);
}

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// The inherited environment with `extra` ("NAME=value") added or replacing.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> merged;
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view current(*entry);
    bool replaced = false;
    for (const auto& e : extra) replaced = replaced || name_of(e) == name_of(current);
    if (!replaced) merged.emplace_back(current);
  }
  merged.insert(merged.end(), extra.begin(), extra.end());
  return merged;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

int CapturedRun::exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

common::Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                 const std::filesystem::path& output_file) {
  SpawnOptions options;
  options.output_file = output_file;
  return spawn(argv, options);
}

common::Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                 const SpawnOptions& options) {
  if (argv.empty() || argv[0].empty()) return make_error(ErrorKind::Io, "spawn: no program given");
  SpawnSetup setup;
  const std::string output = options.output_file.string();
  const std::string error_output = options.error_file.string();
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  // Both ends are close-on-exec; dup2 onto 2 gives the child a plain stderr.
  int pipe_fds[2] = {-1, -1};
  if (options.pipe_stderr) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return make_error(ErrorKind::Io, errno_text("pipe2", errno));
    posix_spawn_file_actions_adddup2(&setup.actions, pipe_fds[1], 2);
  } else if (!error_output.empty()) {
    posix_spawn_file_actions_addopen(&setup.actions, 2, error_output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
  } else {
    posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
  }
  // Its own process group, so stop() can also reach grandchildren (dovecot's
  // services) and nothing else; default signal handling and mask, whatever
  // the test binary changed.
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args = c_strings(argv);
  const std::vector<std::string> environment = merged_environment(options.environment);
  std::vector<char*> envp = c_strings(environment);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &setup.actions, &setup.attr, args.data(), envp.data());
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);  // the child holds its copy; EOF comes when it exits
  if (rc != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    return make_error(ErrorKind::Io, errno_text(("spawn " + argv[0]).c_str(), rc));
  }
  return ChildProcess(pid, pipe_fds[0]);
}

common::Result<CapturedRun> ChildProcess::run_captured(const std::vector<std::string>& argv,
                                                       const std::filesystem::path& dir,
                                                       const std::vector<std::string>& environment,
                                                       std::chrono::milliseconds timeout) {
  // Unique names, so several runs (also from several threads) share `dir`.
  static std::atomic<unsigned> counter{0};
  const std::string stem = "run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  SpawnOptions options;
  options.output_file = dir / (stem + ".out");
  options.error_file = dir / (stem + ".err");
  options.environment = environment;
  auto child = spawn(argv, options);
  if (!child) return child.error();
  auto status = child->wait(timeout);
  CapturedRun result;
  result.out = read_file(options.output_file);
  result.err = read_file(options.error_file);
  std::error_code ignored;
  std::filesystem::remove(options.output_file, ignored);
  std::filesystem::remove(options.error_file, ignored);
  if (!status) {
    return make_error(status.error().kind, argv[0] + ": " + status.error().message + "; stderr so far: " +
                                               tail_lines(result.err, kOutputTailLines));
  }
  result.status = *status;
  return result;
}

common::Status ChildProcess::run(const std::vector<std::string>& argv,
                                 const std::filesystem::path& output_file) {
  auto child = spawn(argv, output_file);
  if (!child) return child.error();
  auto status = child->wait(kRunTimeout);
  if (!status) return status.error();
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return {};
  return make_error(ErrorKind::Io, argv[0] + " failed (" + describe_wait_status(*status) +
                                       "): " + tail_lines(read_file(output_file), kOutputTailLines));
}

ChildProcess::ChildProcess(pid_t pid, int stderr_pipe) : pid_(pid), stderr_pipe_(stderr_pipe) {}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stderr_pipe_(std::exchange(other.stderr_pipe_, -1)),
      status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    (void)stop();
    if (stderr_pipe_ >= 0) ::close(stderr_pipe_);
    pid_ = std::exchange(other.pid_, -1);
    stderr_pipe_ = std::exchange(other.stderr_pipe_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  (void)stop();
  if (stderr_pipe_ >= 0) ::close(stderr_pipe_);
}

common::Status ChildProcess::send_signal(int signal_number) {
  // Not reaped yet (status_ unset), so the pid is still ours even if it exited.
  if (pid_ <= 0 || status_) return make_error(ErrorKind::Io, "send_signal: no child process");
  if (::kill(pid_, signal_number) != 0) return make_error(ErrorKind::Io, errno_text("kill", errno));
  return {};
}

bool ChildProcess::running() const {
  if (pid_ <= 0 || status_) return false;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so the pid (and its process group id)
  // cannot be reused by an unrelated process before stop() is done with it.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
  return info.si_pid == 0;
}

bool ChildProcess::wait_exited(std::chrono::milliseconds timeout) const {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd pfd{pidfd, POLLIN, 0};
    int rc;
    do {
      rc = poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    close(pidfd);
    return rc > 0;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kFallbackPollStep);
  }
  return true;
}

int ChildProcess::reap() {
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  return status;
}

common::Result<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return *status_;
  if (pid_ <= 0) return make_error(ErrorKind::Io, "wait: no child process");
  if (!wait_exited(timeout))
    return make_error(ErrorKind::Timeout, "child " + std::to_string(pid_) + " still running");
  // Leftovers in its group (none for a well-behaved program) go with it.
  kill(-pid_, SIGKILL);
  return reap();
}

common::Result<int> ChildProcess::stop(std::chrono::milliseconds grace) {
  if (status_) return *status_;
  if (pid_ <= 0) return make_error(ErrorKind::Io, "stop: no child process");
  if (running()) {
    kill(pid_, SIGTERM);
    if (!wait_exited(grace)) {
      kill(-pid_, SIGKILL);
      wait_exited(grace);
    }
  }
  // The leader is a zombie now, so its group id still names only what we started.
  kill(-pid_, SIGKILL);
  return reap();
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace test_support
