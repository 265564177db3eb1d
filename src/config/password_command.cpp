// posix_spawn + pipe for password_command; see password_command.hpp.
#include "config/password_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/unique_fd.hpp"
#include "config/config.hpp"
#include "config/file_reader.hpp"

extern char** environ;

namespace config::detail {
namespace {

// Output kept and read before the pipe is closed on the command: far more
// than any password helper prints, small enough to hold in memory.
constexpr std::size_t kMaxCommandOutput = 1024 * 1024;

common::Error config_error(std::string message) {
  return common::make_error(common::ErrorKind::Config, std::move(message));
}

// posix_spawn's attributes and file actions as RAII objects.
class SpawnSetup {
 public:
  SpawnSetup() {
    attr_ok_ = posix_spawnattr_init(&attr_) == 0;
    actions_ok_ = posix_spawn_file_actions_init(&actions_) == 0;
  }
  ~SpawnSetup() {
    if (attr_ok_) posix_spawnattr_destroy(&attr_);
    if (actions_ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // stdin /dev/null, stdout the pipe's write end. A daemon may ignore SIGPIPE
  // or block signals; the child must not inherit that, or a command that never
  // stops writing would not stop when we close the pipe on it.
  int prepare(int stdout_fd) {
    if (!attr_ok_ || !actions_ok_) return ENOMEM;
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);
    if (int rc = posix_spawnattr_setsigdefault(&attr_, &all); rc != 0) return rc;
    if (int rc = posix_spawnattr_setsigmask(&attr_, &none); rc != 0) return rc;
    // Its own process group, so a command that hangs can be killed together
    // with whatever it started (a shell pipeline, a prompt).
    if (int rc = posix_spawnattr_setpgroup(&attr_, 0); rc != 0) return rc;
    if (int rc = posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                                      POSIX_SPAWN_SETPGROUP);
        rc != 0)
      return rc;
    if (int rc = posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        rc != 0) {
      return rc;
    }
    // dup2 clears O_CLOEXEC on the copy; the pipe's own ends close at exec.
    return posix_spawn_file_actions_adddup2(&actions_, stdout_fd, STDOUT_FILENO);
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
  bool attr_ok_ = false;
  bool actions_ok_ = false;
};

// Reads until EOF, kMaxCommandOutput bytes or the deadline. Returns false on a
// read error (errno set); `timed_out` tells the deadline passed first.
bool read_until(int fd, std::string& out, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  timed_out = false;
  char buffer[4096];
  while (out.size() < kMaxCommandOutput) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      return true;
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (ready == 0) continue;  // the loop re-checks the deadline
    const ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, kMaxCommandOutput - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return true;
}

// waitpid, retried on EINTR. -1 when the child cannot be waited for.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// Our environment without the withheld variables. The pointers point into
// `environ`, which nothing changes while the child is being spawned.
std::vector<char*> child_environment(const std::vector<std::string>& withheld) {
  std::vector<char*> kept;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    if (std::find(withheld.begin(), withheld.end(), name) == withheld.end()) kept.push_back(*entry);
  }
  kept.push_back(nullptr);
  return kept;
}

}  // namespace

common::Result<std::string> run_password_command(const std::string& command,
                                                 const std::vector<std::string>& withheld_env,
                                                 std::chrono::milliseconds timeout) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0)
    return config_error(std::string("password_command: pipe: ") + std::strerror(errno));
  common::UniqueFd read_end(ends[0]);
  common::UniqueFd write_end(ends[1]);

  SpawnSetup setup;
  if (int rc = setup.prepare(write_end.get()); rc != 0) {
    return config_error(std::string("password_command: cannot set up the child: ") + std::strerror(rc));
  }
  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string command_copy = command;  // posix_spawn wants char*, not const char*
  std::vector<char*> argv = {shell.data(), dash_c.data(), command_copy.data(), nullptr};
  std::vector<char*> envp = child_environment(withheld_env);
  pid_t pid = -1;
  if (int rc = posix_spawn(&pid, shell.c_str(), setup.actions(), setup.attr(), argv.data(), envp.data());
      rc != 0) {
    return config_error(std::string("password_command: cannot run /bin/sh: ") + std::strerror(rc));
  }
  // Our copy of the write end must go, or we would never see EOF.
  write_end.reset();

  // Read everything the command prints, so that a well-behaved command that
  // writes a few lines in several writes is never cut short (which would make
  // it fail with SIGPIPE at random). Only past kMaxCommandOutput do we close
  // the pipe: a command that never stops writing then dies of SIGPIPE, and
  // time and memory stay bounded.
  std::string output;
  bool timed_out = false;
  const bool read_ok =
      read_until(read_end.get(), output, std::chrono::steady_clock::now() + timeout, timed_out);
  const int read_errno = errno;
  const bool cut_off = output.size() >= kMaxCommandOutput;
  read_end.reset();
  if (timed_out) {
    // A command waiting for a prompt nobody answers, or a hung agent: kill
    // its whole process group rather than block the caller for ever.
    ::kill(-pid, SIGKILL);
    (void)wait_for(pid);
    const std::string bound = timeout.count() % 1000 == 0 ? std::to_string(timeout.count() / 1000) + "s"
                                                           : std::to_string(timeout.count()) + " ms";
    return config_error("password_command did not finish within " + bound + " and was killed");
  }

  const int status = wait_for(pid);
  if (status < 0) return config_error(std::string("password_command: waitpid: ") + std::strerror(errno));
  if (!read_ok) {
    return config_error(std::string("password_command: reading its output failed: ") +
                        std::strerror(read_errno));
  }
  // After a cut-off, SIGPIPE (or a shell's 128+SIGPIPE for a pipeline) is our doing, not the command's
  // failure.
  const bool our_sigpipe = cut_off && ((WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
                                       (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGPIPE));
  if (!our_sigpipe && WIFSIGNALED(status)) {
    return config_error("password_command was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                        strsignal(WTERMSIG(status)) + ")");
  }
  if (!our_sigpipe && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    const int code = WEXITSTATUS(status);
    std::string hint;
    if (code == 127) hint = " (command not found)";
    if (code == 126) hint = " (command not executable)";
    return config_error("password_command exited with status " + std::to_string(code) + hint);
  }
  const auto line = first_line(output, cut_off, kMaxPasswordLength);
  if (!line) {
    return config_error("password_command printed a first line longer than " +
                        std::to_string(kMaxPasswordLength) + " bytes");
  }
  if (line->empty())
    return config_error("password_command printed nothing (an empty first line) and exited with 0");
  return *line;
}

}  // namespace config::detail
