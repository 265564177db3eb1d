#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

}  // namespace

common::Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                 const std::filesystem::path& output_file) {
  if (argv.empty() || argv[0].empty()) return make_error(ErrorKind::Io, "spawn: no program given");
  SpawnSetup setup;
  const std::string output = output_file.string();
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
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

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ);
  if (rc != 0) return make_error(ErrorKind::Io, errno_text(("spawn " + argv[0]).c_str(), rc));
  return ChildProcess(pid);
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

ChildProcess::ChildProcess(pid_t pid) : pid_(pid) {}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    (void)stop();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() { (void)stop(); }

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
