#pragma once
// Human-readable figures for command output and log lines: durations
// ("5m", "1h30m"), byte counts ("1.5 MB") and times ("2026-11-26 13:07:26 UTC").

#include <chrono>
#include <cstdint>
#include <string>

namespace common {

std::string format_duration(std::chrono::seconds duration);
std::string format_bytes(std::uint64_t bytes);
std::string format_time(std::int64_t unix_seconds);  // "-" for 0

}  // namespace common
