#include "health/process_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace health {
namespace {

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    at = end;
  }
  return words;
}

template <class Number>
std::optional<Number> number(std::string_view word) {
  Number value{};
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc{} || end != word.data() + word.size()) return std::nullopt;
  return value;
}

// /proc files report a size of 0: read until the end instead.
std::optional<std::string> slurp(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const std::size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  // After ')' come fields 3 (state) onwards of proc(5): field N is word N-3.
  const std::vector<std::string_view> words = split_spaces(text.substr(paren + 1));
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStart = 22 - 3;
  if (words.size() <= kStart) return std::nullopt;
  const auto utime = number<std::uint64_t>(words[kUtime]);
  const auto stime = number<std::uint64_t>(words[kStime]);
  const auto start = number<std::uint64_t>(words[kStart]);
  if (!utime || !stime || !start) return std::nullopt;
  return ProcStat{*utime, *stime, *start};
}

std::optional<std::uint64_t> parse_statm_resident_pages(std::string_view text) {
  const std::vector<std::string_view> words = split_spaces(text);
  if (words.size() < 2) return std::nullopt;
  return number<std::uint64_t>(words[1]);
}

std::optional<std::int64_t> parse_boot_time(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::vector<std::string_view> words = split_spaces(text.substr(at, end - at));
    if (words.size() == 2 && words[0] == "btime") return number<std::int64_t>(words[1]);
    at = end + 1;
  }
  return std::nullopt;
}

ProcessStats read_process_stats() {
  ProcessStats stats;
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);
  const auto stat_text = slurp("/proc/self/stat");
  const auto stat = stat_text ? parse_proc_stat(*stat_text) : std::nullopt;
  if (stat && ticks > 0) {
    stats.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / static_cast<double>(ticks);
    const auto system_text = slurp("/proc/stat");
    if (const auto boot = system_text ? parse_boot_time(*system_text) : std::nullopt) {
      stats.start_time_seconds =
          static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / static_cast<double>(ticks);
    }
  }
  const auto statm_text = slurp("/proc/self/statm");
  if (const auto pages = statm_text ? parse_statm_resident_pages(*statm_text) : std::nullopt; pages && page > 0) {
    stats.resident_bytes = *pages * static_cast<std::uint64_t>(page);
  }
  std::error_code error;
  std::filesystem::directory_iterator fds("/proc/self/fd", error);
  if (!error) {
    std::uint64_t count = 0;
    for (auto it = fds; it != std::filesystem::directory_iterator(); it.increment(error)) {
      if (error) break;
      ++count;
    }
    if (!error) stats.open_fds = count;
  }
  return stats;
}

}  // namespace health
