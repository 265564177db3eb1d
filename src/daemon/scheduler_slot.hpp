#pragma once
// Private to the scheduler's .cpp files: the state it keeps per account, and
// the small helpers both files use. Nothing else includes this.

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "common/secret.hpp"
#include "fetch/poll_progress.hpp"
#include "daemon/scheduler.hpp"
#include "net/tls_session_cache.hpp"

namespace popfetchd::daemon {
namespace scheduler_detail {

// last_error may quote a server; our own prefix needs room too.
inline constexpr std::size_t kMaxErrorText = 400;

inline std::int64_t wall_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace scheduler_detail

struct Scheduler::Slot {
  Scheduler* owner = nullptr;
  config::Account account;
  health::AccountHealth health;
  net::UvHandlePtr<uv_timer_t> timer;

  // A Secret: it does not linger in freed heap memory (core dumps are off,
  // but a later bug that leaks memory contents should not find it either).
  std::optional<common::Secret> password;
  config::PasswordSource password_from;  // where `password` came from
  bool password_stale = false;           // read it again before the next poll

  bool resolving = false;   // a password lookup is on the thread pool
  bool in_runner = false;   // queued in or running on the PollRunner
  bool poll_again = false;  // a poll was requested while busy
  bool removing = false;    // gone from the config; waits for its poll to end
  bool held = false;        // authentication or permanent failure: long hold
  bool hook_failing = false;  // on_failure ran for "failing"; "recovered" is due after a success
  // uv_now() of the last manual retry (POST /poll, SIGUSR1) that lifted a
  // hold after a rejected password; the next one waits for the policy's window.
  std::optional<std::uint64_t> manual_retry_at;

  PipeliningFallback pipelining;
  OutageWatch outage;
  std::optional<std::uint32_t> login_delay_s;
  // The TLS session of the last good poll, resumed by the next. A settings
  // change starts a new one (a running poll keeps the old).
  std::shared_ptr<net::TlsSessionCache> tls_sessions = std::make_shared<net::TlsSessionCache>();
  // The running poll's progress (shared with it), for /health; null when no
  // poll runs.
  std::shared_ptr<fetch::PollProgress> progress;

  bool busy() const { return in_runner || resolving; }
  const std::string& name() const { return account.name; }
};

}  // namespace popfetchd::daemon
