#pragma once

namespace popfetchd::daemon {

// What became of a request to poll now (POST /poll, SIGUSR1). Kept apart from
// a plain bool so that "no such account" (404) and "stopping, not taking
// polls" (503) reach the HTTP client as what they are.
enum class PollRequest {
  Accepted,
  UnknownAccount,
  ShuttingDown,
};

}  // namespace popfetchd::daemon
