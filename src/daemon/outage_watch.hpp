#pragma once
// OutageWatch: when one account's failures to reach its server have lasted
// long enough that a human should hear of it. Every failed poll is logged at
// warning (the backoff spaces them out); an outage that has gone on for
// kOutageErrorAfter is logged once more at err, so `journalctl -p err` and
// anything that alerts on it see an account that has been cut off for an
// hour, not every retry of a short hiccup. The next err line for the account
// needs a success first and then another hour of failures.
//
// Which failures count: Io, Timeout and Tls, the ones that say "the server
// could not be reached securely". A dead network, a firewall, a server that
// went away and a certificate that stopped verifying all keep the mail away
// until someone acts, and all of them are otherwise only warnings, retried
// with backoff. Auth and PermFail are logged at err the first time already;
// Protocol, TempFail (the server answered and said "later"), Config, Storage
// and Aborted are not about the network. Such a failure in the middle of an
// outage neither ends it nor starts one: only a success ends it.
//
// Pure: the caller passes the time (milliseconds on a monotonic clock, e.g.
// uv_now()); no clock, no log, no loop. Owns two numbers. No errors.

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/result.hpp"

namespace popfetchd::daemon {

inline constexpr std::chrono::milliseconds kOutageErrorAfter{60 * 60'000};

// Io, Timeout, Tls.
bool network_failure(common::ErrorKind kind);

class OutageWatch {
 public:
  explicit OutageWatch(std::chrono::milliseconds error_after = kOutageErrorAfter)
      : error_after_(error_after) {}

  // A failed poll at `now_ms`. Returns how long the outage has lasted when
  // this failure is the one to log at err (once per outage), else nothing.
  std::optional<std::chrono::milliseconds> on_failure(common::ErrorKind kind, std::uint64_t now_ms);
  // A successful poll: the outage is over.
  void on_success();

 private:
  std::chrono::milliseconds error_after_;
  std::optional<std::uint64_t> since_ms_;  // the outage's first network failure
  bool reported_ = false;
};

}  // namespace popfetchd::daemon
