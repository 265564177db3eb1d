#pragma once
// RunningDaemon: the real `popfetchd -c CONFIG run` as a child process, for
// the tests of several daemons on one PostgreSQL archive. Its stderr (the
// log) is read by a thread of its own into lines the test can wait on; its
// health socket is asked over HTTP. Every wait is for a condition with a
// deadline; the short pause between two looks only paces the looking.
//
// Owns the child (stopped and reaped by the destructor, or SIGKILLed by the
// test) and the reader thread (joined once the child's stderr is closed).
// Errors: Io when the daemon cannot start.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "support/child_process.hpp"

namespace integration {

// Calls `done` until it is true or `deadline` passed; true when it became true.
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds deadline);

class RunningDaemon {
 public:
  // Starts popfetchd on `config`, whose health_socket is `socket`.
  static common::Result<std::unique_ptr<RunningDaemon>> start(const std::filesystem::path& config,
                                                              const std::string& socket);
  RunningDaemon(const RunningDaemon&) = delete;
  RunningDaemon& operator=(const RunningDaemon&) = delete;
  ~RunningDaemon();

  // GET /health's body; nullopt while the socket does not answer.
  std::optional<nlohmann::json> health() const;
  // The accounts /health lists under leases.held (empty when it does not answer).
  std::vector<std::string> held() const;
  // Waits until a log line contains `text` (counting lines from `from` on).
  bool wait_for_line(const std::string& text, std::chrono::milliseconds deadline, std::size_t from = 0);
  std::size_t line_count() const;
  std::string log() const;

  test_support::ChildProcess& child() { return child_; }
  // SIGTERM and wait: a clean shutdown. The exit status.
  common::Result<int> stop();
  // SIGKILL, then reap.
  void kill();

 private:
  RunningDaemon(test_support::ChildProcess child, std::string socket);
  void read_log();

  test_support::ChildProcess child_;
  std::string socket_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::thread reader_;
};

}  // namespace integration
