#pragma once
// ChildProcess: one program the test fixtures start (dovecot, openssl,
// popfetchd), run in its own process group with stdin from /dev/null and
// stdout+stderr appended to a file - or, with SpawnOptions, stdout and stderr
// apart, stderr into a pipe the test reads as it is written, and extra
// environment variables.
// Owns: the child's pid and, while it runs, its process group. The destructor
// stops it (SIGTERM, then SIGKILL after the grace period) and reaps it, so no
// stray process outlives the object. It never signals any other process.
// Errors: common::ErrorKind::Io when the program cannot be started, waited for
// or stopped; run() reports a non-zero exit as Io with the output's tail.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace test_support {

struct SpawnOptions {
  std::filesystem::path output_file;  // stdout (appended), and stderr unless one of the next two is set
  std::filesystem::path error_file;   // stderr (appended) apart from stdout; "" = with stdout
  // stderr into a pipe: read it with stderr_fd() while the child runs (e.g.
  // to act when a log line appears). Wins over error_file.
  bool pipe_stderr = false;
  // "NAME=value" entries added to the inherited environment (replacing a
  // variable of the same name).
  std::vector<std::string> environment;
};

// What run_captured() saw: the wait status and both streams.
struct CapturedRun {
  int status = 0;  // waitpid() status
  std::string out;
  std::string err;
  // The exit code, or -1 when the program did not exit normally (a signal).
  int exit_code() const;
};

class ChildProcess {
 public:
  // How long stop() waits after SIGTERM before it sends SIGKILL.
  static constexpr std::chrono::milliseconds kDefaultGrace{10'000};

  // Starts argv[0] (an absolute path) with the current environment.
  static common::Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                            const std::filesystem::path& output_file);

  static common::Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                            const SpawnOptions& options);

  // Runs a program to completion; fails unless it exits with status 0.
  static common::Status run(const std::vector<std::string>& argv, const std::filesystem::path& output_file);

  // Runs a program to completion (bounded by `timeout`, then it is stopped)
  // with stdout and stderr kept apart in files under `dir`; any exit status is
  // a result, not an error. Errors: Io when it cannot start, Timeout.
  static common::Result<CapturedRun> run_captured(
      const std::vector<std::string>& argv, const std::filesystem::path& dir,
      const std::vector<std::string>& environment = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // The read end of the stderr pipe (SpawnOptions::pipe_stderr), else -1.
  // Owned by this object; EOF once the child (and whatever inherited it) exited.
  int stderr_fd() const { return stderr_pipe_; }

  // Sends `signal_number` to the child alone (not its group), unless it was
  // reaped already. The test's own experiment (e.g. SIGKILL at a chosen moment).
  common::Status send_signal(int signal_number);

  // True until the child has exited (it is not reaped here, so its pid stays ours).
  bool running() const;

  // Waits (bounded) for the child to exit on its own; returns its wait status.
  common::Result<int> wait(std::chrono::milliseconds timeout);

  // SIGTERM to the child, wait up to `grace`, then SIGKILL; afterwards kills
  // whatever is left in its process group and reaps the child. Returns the
  // wait status. Idempotent: a second call returns the first status.
  common::Result<int> stop(std::chrono::milliseconds grace = kDefaultGrace);

 private:
  ChildProcess(pid_t pid, int stderr_pipe);
  // Waits until the child is a zombie or `timeout` passed; does not reap.
  bool wait_exited(std::chrono::milliseconds timeout) const;
  int reap();

  pid_t pid_ = -1;
  int stderr_pipe_ = -1;
  std::optional<int> status_;
};

// Human-readable form of a waitpid() status ("exit 1", "signal 9").
std::string describe_wait_status(int status);

}  // namespace test_support
