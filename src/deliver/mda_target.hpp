#pragma once
// MdaTarget: delivers by running a mail delivery agent (`mda:` in the
// config: argv, no shell) with the message on its stdin, LF line ends - what
// procmail, maildrop, dovecot-lda and friends expect.
//
// One run per deliver(), on the caller's libuv loop (uv_spawn):
//   - the child gets its own session and process group (so a timeout kills
//     everything it started), default signal dispositions, stdin a pipe that
//     gets the whole message and then EOF, stdout /dev/null, stderr a pipe of
//     which the first kMaxMdaStderr bytes are kept; no other descriptor
//     (libuv closes none, so before each spawn every descriptor of this
//     process above 2 is marked close-on-exec, inherited ones included), and
//     our environment without `withheld_env` (the accounts' password_env
//     variables).
//   - the outcome: exit 0 Delivered; exit 75 (EX_TEMPFAIL) Temporary; killed
//     by a signal Temporary; past `timeout` SIGTERM to the group, SIGKILL
//     kMdaKillGrace later, Temporary; any other exit Permanent. The detail is
//     "exit N: <stderr>" (stderr sanitised to one line); a program that
//     cannot be started: Permanent when it is missing or not executable.
//   - an MDA that exits without reading all of stdin is fine (EPIPE is not an
//     error: its exit status decides); SIGPIPE is ignored process-wide if
//     nobody handles it, as libuv writes with write(2).
//
// Owns: the run in flight (its child, pipes, timer); touches no file itself.
// Destroying the target kills a run in flight (SIGKILL to its group) without
// calling its `done`; the child is still reaped on the loop.
// Not thread-safe: the loop's thread only.

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "config/delivery_target.hpp"
#include "deliver/target.hpp"

namespace deliver {

inline constexpr std::size_t kMaxMdaStderr = 4096;
// Between SIGTERM and SIGKILL after the time limit: time to clean up a lock.
inline constexpr std::chrono::milliseconds kMdaKillGrace{2000};

class MdaTarget final : public Target {
 public:
  // config.argv must not be empty (the loader checks it; an empty one fails
  // every delivery as Permanent).
  MdaTarget(uv_loop_t* loop, const config::DeliveryTarget& config, std::vector<std::string> withheld_env);
  ~MdaTarget() override;
  MdaTarget(const MdaTarget&) = delete;
  MdaTarget& operator=(const MdaTarget&) = delete;

  void deliver(Attempt attempt, Done done) override;

  class Run;  // one child in flight; defined in mda_target.cpp

 private:
  friend class Run;
  uv_loop_t* loop_;
  std::vector<std::string> argv_;
  std::vector<std::string> withheld_env_;
  std::chrono::milliseconds timeout_;
  std::vector<Run*> runs_;  // in flight (the queue runs one at a time; more work too)
};

}  // namespace deliver
