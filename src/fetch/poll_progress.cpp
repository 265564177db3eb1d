#include "fetch/poll_progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "common/format.hpp"

namespace fetch {

void PollProgress::planned(std::uint64_t messages, std::uint64_t bytes, std::uint64_t now_ms) {
  planned_ = true;
  planned_at_ms_ = now_ms;
  logged_at_ms_ = now_ms;
  messages_total_ = messages;
  bytes_total_ = bytes;
  messages_done_ = 0;
  bytes_done_ = 0;
}

void PollProgress::add_planned(std::uint64_t listed_bytes) {
  ++messages_total_;
  bytes_total_ += listed_bytes;
}

void PollProgress::message_done(std::uint64_t listed_bytes) {
  // A server that answers more than it listed cannot push done past total.
  messages_done_ = std::min(messages_done_ + 1, messages_total_);
  bytes_done_ = std::min(bytes_done_ + listed_bytes, bytes_total_);
}

ProgressFigures PollProgress::figures(std::uint64_t now_ms) const {
  ProgressFigures f;
  f.messages_done = messages_done_;
  f.messages_total = messages_total_;
  f.bytes_done = bytes_done_;
  f.bytes_total = bytes_total_;
  const std::uint64_t elapsed_ms = now_ms > planned_at_ms_ ? now_ms - planned_at_ms_ : 0;
  if (elapsed_ms > 0)
    f.bytes_per_second = static_cast<double>(bytes_done_) * 1000.0 / static_cast<double>(elapsed_ms);
  if (planned_ && bytes_done_ >= bytes_total_ && messages_done_ >= messages_total_) {
    f.eta_seconds = 0;
  } else if (f.bytes_per_second > 0) {
    f.eta_seconds = static_cast<std::uint64_t>(
        std::ceil(static_cast<double>(bytes_total_ - bytes_done_) / f.bytes_per_second));
  }
  return f;
}

bool PollProgress::log_due(std::uint64_t now_ms) {
  if (!planned_ || messages_done_ >= messages_total_) return false;
  if (now_ms < logged_at_ms_ || now_ms - logged_at_ms_ < kProgressLogIntervalMs) return false;
  logged_at_ms_ = now_ms;
  return true;
}

std::string PollProgress::line(std::uint64_t now_ms) const {
  const ProgressFigures f = figures(now_ms);
  const unsigned percent =
      f.messages_total == 0 ? 100u : static_cast<unsigned>(f.messages_done * 100 / f.messages_total);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f MB/s", f.bytes_per_second / 1e6);
  std::string text = "progress: " + std::to_string(f.messages_done) + "/" + std::to_string(f.messages_total) +
                     " messages (" + std::to_string(percent) + "%), " + common::format_bytes(f.bytes_done) +
                     " of " + common::format_bytes(f.bytes_total) + ", " + rate;
  if (f.eta_seconds) {
    text += ", about " +
            common::format_duration(std::chrono::seconds(static_cast<std::int64_t>(*f.eta_seconds))) +
            " left";
  } else {
    text += ", time left unknown";
  }
  return text;
}

}  // namespace fetch
