#pragma once
// fetch::PollDeadlines: when a poll has waited too long, as pure arithmetic
// over the loop's clock (milliseconds) — the poll's timer asks it when to
// wake up and, when it wakes, whether a deadline has passed.
//
// Two deadlines (issue "nothing is lost", item 7): the connection's own
// timeout restarts on every byte, so a server trickling one byte a second
// would hold a poll for ever.
//   - Each reply that has begun to arrive: complete within `timeout` plus its
//     size at kMinTransferRate (for a RETR the LIST size; for any reply the
//     bytes that arrived so far, so a long listing that keeps coming at a sane
//     rate is never cut). A reply of which nothing arrived is the connection's
//     silence timeout's business, which says so in its own words.
//   - The whole poll: kPollDeadlineTimeouts × `timeout` for everything but
//     the transfer, plus the bytes at kMinTransferRate: those planned once the
//     listing is known, or those received, whichever is more.
// Owns nothing but numbers and the name of the awaited command (never a secret:
// pop3::Session::awaiting() shows them as "***").

#include <cstdint>
#include <optional>
#include <string>

namespace fetch {

// The slowest transfer a reply's deadline allows for beyond `timeout`: a
// 50 MB message gets timeout + 5,000 s, a server trickling a byte a second
// gets `timeout` for a whole reply.
inline constexpr std::uint64_t kMinTransferRate = 10'000;  // bytes per second
// The whole poll: this many times `timeout` for everything but the transfer
// (connect, TLS, login, the listing, round trips), plus the planned bytes at
// kMinTransferRate.
inline constexpr std::uint64_t kPollDeadlineTimeouts = 10;

class PollDeadlines {
 public:
  PollDeadlines(std::uint64_t timeout_ms, std::uint64_t now_ms);

  // The listing is known: the poll may take the base from now on plus
  // `planned_bytes`' time.
  void planned(std::uint64_t planned_bytes, std::uint64_t now_ms);
  // The session now awaits the reply to `command` ("" when nothing is awaited).
  // A change of command restarts the reply's clock; `expected_bytes` is its
  // LIST size for a RETR, else 0.
  void awaiting(std::string command, std::uint64_t expected_bytes, std::uint64_t now_ms);
  void received(std::uint64_t bytes) {
    reply_bytes_ += bytes;
    total_bytes_ += bytes;
  }

  const std::string& awaited() const { return awaited_; }
  // When to look again.
  std::uint64_t due_ms() const;
  // Set when a deadline has passed: the error message (the caller names the server).
  std::optional<std::string> expired(std::uint64_t now_ms, const std::string& server) const;

 private:
  std::uint64_t reply_due_ms() const;
  std::uint64_t poll_due_ms() const;
  bool reply_begun() const { return !awaited_.empty() && reply_bytes_ > 0; }

  std::uint64_t timeout_ms_;
  std::uint64_t started_ms_;
  std::uint64_t poll_base_ms_;     // when the poll's base allowance runs out
  std::uint64_t planned_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;  // received in the whole poll
  std::string awaited_;
  std::uint64_t awaited_since_ms_ = 0;
  std::uint64_t reply_bytes_ = 0;
  std::uint64_t expected_bytes_ = 0;
};

}  // namespace fetch
