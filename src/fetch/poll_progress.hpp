#pragma once
// PollProgress: how far one poll's retrieval is, for the progress log line of
// a long first import and for /health's "progress" object. Pure arithmetic:
// the caller tells it the plan (messages and bytes by their LIST sizes), each
// message that ended, and the time (milliseconds on any monotonic clock, e.g.
// uv_now()); it never reads a clock, logs or touches the loop.
//
// Bytes are counted by LIST size, the same measure as the plan's total, so
// done never passes total whatever a server's RETR adds or leaves out. The
// rate is the bytes done since the plan over the time since the plan; the
// ETA is the bytes left at that rate (none until something was retrieved).
//
// Owns only numbers. Shared between a poll and whoever watches it (the
// daemon's scheduler) on the loop's thread; not thread-safe. No errors.

#include <cstdint>
#include <optional>
#include <string>

namespace fetch {

// At most one progress line per this interval.
inline constexpr std::uint64_t kProgressLogIntervalMs = 10'000;

struct ProgressFigures {
  std::uint64_t messages_done = 0;
  std::uint64_t messages_total = 0;
  std::uint64_t bytes_done = 0;  // by LIST size
  std::uint64_t bytes_total = 0;
  double bytes_per_second = 0;               // 0 until time has passed and bytes were retrieved
  std::optional<std::uint64_t> eta_seconds;  // none while the rate is 0; 0 once done
};

class PollProgress {
 public:
  // The listing is done: `messages` to retrieve, `bytes` by their LIST sizes.
  void planned(std::uint64_t messages, std::uint64_t bytes, std::uint64_t now_ms);
  // One more message to retrieve than planned (a delete_after check found a
  // new message under an old UIDL).
  void add_planned(std::uint64_t listed_bytes);
  // A retrieved message ended (stored, or given up on): its LIST size.
  void message_done(std::uint64_t listed_bytes);

  // False before planned(): the poll is still connecting or listing.
  bool has_plan() const { return planned_; }
  ProgressFigures figures(std::uint64_t now_ms) const;

  // True, at most once per kProgressLogIntervalMs (the first time that long
  // after the plan), while messages are left: the caller logs line() then.
  bool log_due(std::uint64_t now_ms);
  // "progress: 1200/5000 messages (24%), 96.0 MB of 400.0 MB, 2.1 MB/s, about 2m24s left"
  std::string line(std::uint64_t now_ms) const;

 private:
  bool planned_ = false;
  std::uint64_t planned_at_ms_ = 0;
  std::uint64_t logged_at_ms_ = 0;
  std::uint64_t messages_done_ = 0;
  std::uint64_t messages_total_ = 0;
  std::uint64_t bytes_done_ = 0;
  std::uint64_t bytes_total_ = 0;
};

}  // namespace fetch
