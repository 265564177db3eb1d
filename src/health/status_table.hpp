#pragma once
// `popfetchd status` (DESIGN.md §1): turns the health socket's JSON into the
// table users read, and the whole command into output plus an exit status,
// so that src/app only prints what it gets.
//
// Owns nothing; the table renderer is pure, run_status() makes one blocking
// request through health_client. The JSON is treated as untrusted: every
// string shown is sanitised and cut. Errors: Protocol for a body that is not
// the health JSON.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "health/client.hpp"

namespace health {

// Exit statuses of `popfetchd status` (DESIGN.md §1).
inline constexpr int kStatusHealthy = 0;
inline constexpr int kStatusDegraded = 1;
inline constexpr int kStatusUnreachable = 3;

// The last error column is cut here: a table row stays on one line.
inline constexpr std::size_t kMaxErrorColumn = 40;

struct StatusTable {
  std::string text;                  // summary line, header and one row per account, each ending in "\n"
  int exit_status = kStatusHealthy;  // kStatusHealthy or kStatusDegraded
};

// Columns: ACCOUNT, STATE, LAST SUCCESS ("5m ago", "never"), LAST ERROR,
// MESSAGES, NEXT POLL ("in 4m", "due", "-"), relative to `now` (unix seconds).
common::Result<StatusTable> render_status_table(std::string_view health_json, std::int64_t now);

struct StatusOutput {
  int exit_status = kStatusUnreachable;
  std::string out;    // for stdout
  std::string error;  // one line for stderr (without "popfetchd: "), empty when none
};

// The whole command: asks the daemon at `socket_path` and renders the table,
// or with `json` the raw body. Exit 0 healthy, 1 degraded, 3 when the daemon
// does not answer or answers something that is not its health JSON.
StatusOutput run_status(const std::string& socket_path, bool json, std::int64_t now,
                        std::chrono::milliseconds timeout = kHealthClientTimeout);

}  // namespace health
