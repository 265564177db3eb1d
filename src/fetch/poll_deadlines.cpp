#include "fetch/poll_deadlines.hpp"

#include <algorithm>
#include <utility>

namespace fetch {
namespace {

std::uint64_t transfer_ms(std::uint64_t bytes) { return bytes * 1000 / kMinTransferRate; }

}  // namespace

PollDeadlines::PollDeadlines(std::uint64_t timeout_ms, std::uint64_t now_ms)
    : timeout_ms_(timeout_ms), started_ms_(now_ms), poll_base_ms_(now_ms + kPollDeadlineTimeouts * timeout_ms) {}

void PollDeadlines::planned(std::uint64_t planned_bytes, std::uint64_t now_ms) {
  poll_base_ms_ = now_ms + kPollDeadlineTimeouts * timeout_ms_;
  planned_bytes_ = planned_bytes;
}

std::uint64_t PollDeadlines::poll_due_ms() const {
  return poll_base_ms_ + transfer_ms(std::max(planned_bytes_, total_bytes_));
}

void PollDeadlines::awaiting(std::string command, std::uint64_t expected_bytes, std::uint64_t now_ms) {
  if (command == awaited_) return;
  awaited_ = std::move(command);
  awaited_since_ms_ = now_ms;
  reply_bytes_ = 0;
  expected_bytes_ = expected_bytes;
}

std::uint64_t PollDeadlines::reply_due_ms() const {
  return awaited_since_ms_ + timeout_ms_ + transfer_ms(std::max(reply_bytes_, expected_bytes_));
}

std::uint64_t PollDeadlines::due_ms() const {
  return reply_begun() ? std::min(poll_due_ms(), reply_due_ms()) : poll_due_ms();
}

std::optional<std::string> PollDeadlines::expired(std::uint64_t now_ms, const std::string& server) const {
  if (now_ms >= poll_due_ms()) {
    return "the poll of " + server + " did not finish within " +
           std::to_string((poll_due_ms() - started_ms_) / 1000) + "s; the rest is fetched next time";
  }
  if (reply_begun() && now_ms >= reply_due_ms()) {
    return "no complete reply to " + awaited_ + " from " + server + " within " +
           std::to_string((now_ms - awaited_since_ms_) / 1000) + "s (" + std::to_string(reply_bytes_) +
           " bytes arrived, slower than " + std::to_string(kMinTransferRate / 1000) + " KB/s)";
  }
  return std::nullopt;
}

}  // namespace fetch
