#pragma once
// HookRunner: runs an account's hooks (on_failure:, on_new_mail: in the
// config), each a program with its arguments, no shell, on the daemon's loop.
//
// Each run (common/child_spawn.hpp) gets our environment without the
// accounts' password_env variables, plus POPFETCHD_ACCOUNT, POPFETCHD_EVENT
// (failing, recovered, new_mail), POPFETCHD_NEW_MESSAGES (a count, 0 but for
// new_mail) and POPFETCHD_ERROR (the account's last error as one sanitised
// line; empty but for failing); stdin /dev/null; stdout and stderr one pipe
// whose first line is logged with the outcome. A hook still running after the
// time limit is killed (SIGKILL to its process group). A hook that fails is
// logged under its account and changes nothing else: it never fails a poll.
//
// Owns the runs in flight (child, pipe, timer). Destroying the runner kills
// them; their children are still reaped on the loop, which must run again
// before it is closed. Loop thread only.

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace popfetchd::daemon {

inline constexpr std::chrono::milliseconds kHookTimeLimit{30'000};

enum class HookEvent { Failing, Recovered, NewMail };
std::string_view to_string(HookEvent event);  // "failing", "recovered", "new_mail"

struct HookCall {
  std::string account;
  HookEvent event = HookEvent::NewMail;
  std::uint64_t new_messages = 0;
  std::string error;
};

// How one run ended (for the log line and for tests).
struct HookResult {
  HookCall call;
  bool started = false;     // false: the program could not be started
  bool timed_out = false;   // killed at the time limit
  std::int64_t exit_status = 0;
  int term_signal = 0;
  std::string first_line;   // of its output, sanitised; or why it could not start
  bool ok() const { return started && !timed_out && exit_status == 0 && term_signal == 0; }
};

class HookRunner {
 public:
  explicit HookRunner(uv_loop_t* loop, std::chrono::milliseconds time_limit = kHookTimeLimit);
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Starts `argv` (empty: nothing to do) for `call`; `withheld_env` are the
  // names it must not inherit (Config::password_env_names).
  void run(const std::vector<std::string>& argv, HookCall call, const std::vector<std::string>& withheld_env);
  std::size_t running() const { return runs_.size(); }
  // Called after each run ended and was logged.
  void set_on_finished(std::function<void(const HookResult&)> on_finished) { on_finished_ = std::move(on_finished); }

  class Run;  // one child in flight; defined in hook_runner.cpp

 private:
  friend class Run;
  uv_loop_t* loop_;
  std::chrono::milliseconds time_limit_;
  std::vector<Run*> runs_;
  std::function<void(const HookResult&)> on_finished_;
};

// The hook environment's own variables ("NAME=value").
std::vector<std::string> hook_environment(const HookCall& call);

}  // namespace popfetchd::daemon
