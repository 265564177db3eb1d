#pragma once

namespace health {

// What became of a request to poll now (POST /poll, SIGUSR1). Kept apart from
// a plain bool so that "no such account" (404) and "stopping, not taking
// polls" (503) and "held, retried too recently" (429) reach the HTTP client
// as what they are.
enum class PollRequest {
  Accepted,
  UnknownAccount,
  ShuttingDown,
  // Refused: the account is held after a rejected password and had its manual
  // retry a short while ago (for POST /poll: every account is in that state).
  RateLimited,
};

}  // namespace health
