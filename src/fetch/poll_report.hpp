#pragma once
// fetch::PollReport: what one poll of one account did, for the summary line of
// `poll-once`, the log, the health socket and the scheduler's retry decision.
// A plain value; every string in it is safe to show (sanitised server text,
// never a password).

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace fetch {

// What the server's -ERR said about retrying, from its RFC 2449/3206 code.
enum class RetryHint {
  Normal,      // retry at the usual interval (with backoff)
  AuthFailed,  // credentials rejected: retrying soon would lock the account out
  LoginDelay,  // [LOGIN-DELAY]: the server wants a longer pause
  InUse,       // [IN-USE]: another client holds the mailbox; retry soon-ish
  Permanent,   // [SYS/PERM]: needs a human
};

struct PollReport {
  std::string account;
  std::int64_t started_at = 0;   // unix seconds
  std::int64_t finished_at = 0;  // unix seconds
  std::uint64_t elapsed_ms = 0;

  std::uint64_t listed = 0;             // messages on the server
  std::uint64_t new_messages = 0;       // stored by this poll
  std::uint64_t new_bytes = 0;
  std::uint64_t already_stored = 0;     // retrieved, but the archive had them (e.g. content hash)
  std::uint64_t deleted = 0;            // deleted on the server (confirmed by QUIT)
  std::uint64_t skipped_oversize = 0;   // larger than max_message_size: left on the server
  std::uint64_t failed_messages = 0;    // -ERR to RETR or unusable: left on the server
  std::uint64_t short_messages = 0;     // RETR clearly shorter than LIST: stored flagged, left on the server
  bool more_pending = false;            // hit the per-poll cap; poll again soon

  std::optional<common::Error> error;   // set when the poll failed
  // The archive file was removed or replaced under the process: nothing more
  // may be deleted by this process (its commits go to a file nobody reads).
  bool archive_moved = false;
  RetryHint retry = RetryHint::Normal;
  // The failure happened with several commands in flight: the next poll
  // should try without pipelining.
  bool pipelining_suspect = false;
  // The server's LOGIN-DELAY (RFC 2449 §6.8) from its CAPA, when this poll
  // authenticated and the server gave one: the least time between logins.
  std::optional<std::uint32_t> login_delay_seconds;

  bool ok() const { return !error.has_value(); }
  // "12 new (1.2 MB), 3 deleted, 1 skipped (too large)", or
  // "failed (auth): <message>[; before that: 2 new (8.1 KB), 0 deleted]".
  std::string summary() const;
};

}  // namespace fetch
