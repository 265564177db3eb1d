#pragma once
// ChildProcess: one program the test fixtures start (dovecot, openssl), run in
// its own process group with stdin from /dev/null and stdout+stderr appended
// to a file.
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

class ChildProcess {
 public:
  // How long stop() waits after SIGTERM before it sends SIGKILL.
  static constexpr std::chrono::milliseconds kDefaultGrace{10'000};

  // Starts argv[0] (an absolute path) with the current environment.
  static common::Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                            const std::filesystem::path& output_file);

  // Runs a program to completion; fails unless it exits with status 0.
  static common::Status run(const std::vector<std::string>& argv, const std::filesystem::path& output_file);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // True until the child has exited (it is not reaped here, so its pid stays ours).
  bool running() const;

  // Waits (bounded) for the child to exit on its own; returns its wait status.
  common::Result<int> wait(std::chrono::milliseconds timeout);

  // SIGTERM to the child, wait up to `grace`, then SIGKILL; afterwards kills
  // whatever is left in its process group and reaps the child. Returns the
  // wait status. Idempotent: a second call returns the first status.
  common::Result<int> stop(std::chrono::milliseconds grace = kDefaultGrace);

 private:
  explicit ChildProcess(pid_t pid);
  // Waits until the child is a zombie or `timeout` passed; does not reap.
  bool wait_exited(std::chrono::milliseconds timeout) const;
  int reap();

  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Human-readable form of a waitpid() status ("exit 1", "signal 9").
std::string describe_wait_status(int status);

}  // namespace test_support
