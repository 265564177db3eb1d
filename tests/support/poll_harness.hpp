#pragma once
// The one way a test runs a real fetch poll in-process: fetch::AccountPoll
// (through fetch::account_poll_factory, as poll-once and the daemon build it)
// on a libuv loop of its own, storing through a fresh fetch::ArchiveWriter
// into the caller's store::Archive. Used by tests/hostile (against
// FakePop3Server) and tests/integration (against Dovecot).
//
// Owns nothing between calls: each run_one_poll() makes its loop and writer
// and closes both before it returns. Never touches a server or the log sink
// (LogCapture below does that, for the callers who want it).
// Errors: none of its own; what goes wrong is a test failure (a poll that
// leaves a batch uncommitted or libuv handles open, one stopped by the
// watchdog), and a poll that never reports returns nothing.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "fetch/account_poll.hpp"
#include "fetch/poll_report.hpp"
#include "fetch/token_refresh.hpp"
#include "pop3/digests.hpp"
#include "store/archive.hpp"

namespace test_support {

struct PollHarnessOptions {
  // When set, the poll runs wrapped by fetch::with_token_refresh.
  fetch::TokenRefresh refresh;
  // When positive, a poll still running after this long is stopped, and the
  // test fails. It only bounds a broken test: no test relies on it.
  std::chrono::milliseconds watchdog{0};
};

// Runs one poll of `options` to its end. Afterwards the writer has nothing
// uncommitted and the loop closed with no handle open (each asserted).
std::optional<fetch::PollReport> run_one_poll(fetch::PollOptions options, store::Archive& archive,
                                              const pop3::Digests& digests, PollHarnessOptions extras = {});

// Every log line at debug level goes to `lines` for this object's lifetime;
// then the sink is removed and the level restored (also on an early return).
class LogCapture {
 public:
  explicit LogCapture(std::vector<std::string>& lines);
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture();

 private:
  common::LogLevel previous_level_;
};

}  // namespace test_support
