#include "common/format.hpp"

#include <cstdio>
#include <ctime>

namespace common {

std::string format_duration(std::chrono::seconds duration) {
  long long total = duration.count();
  if (total == 0) return "0s";
  std::string out;
  if (total < 0) {
    out += '-';
    total = -total;
  }
  struct Unit {
    long long seconds;
    char suffix;
  };
  static constexpr Unit kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const Unit& unit : kUnits) {
    if (total >= unit.seconds) {
      out += std::to_string(total / unit.seconds);
      out += unit.suffix;
      total %= unit.seconds;
    }
  }
  return out;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000.0 && unit < 4) {
    value /= 1000.0;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

std::string format_time(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

}  // namespace common
