// posix_spawn + pipe for password_command; see password_command.hpp.
#include "config/password_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "config/config.hpp"
#include "config/file_reader.hpp"
#include "common/unique_fd.hpp"

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
    if (int rc = posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK); rc != 0)
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

// waitpid, retried on EINTR. -1 when the child cannot be waited for.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

}  // namespace

common::Result<std::string> run_password_command(const std::string& command) {
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
  pid_t pid = -1;
  if (int rc = posix_spawn(&pid, shell.c_str(), setup.actions(), setup.attr(), argv.data(), environ);
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
  const bool read_ok = read_bounded(read_end.get(), output, kMaxCommandOutput, false);
  const int read_errno = errno;
  const bool cut_off = output.size() >= kMaxCommandOutput;
  read_end.reset();

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
