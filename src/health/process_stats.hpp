#pragma once
// The process's own figures for the standard process_* metric families
// (CPU time, resident memory, open descriptors, start time), read from
// Linux's /proc. The parsers are pure and take the files' text; only
// read_process_stats() touches the file system.
//
// Never fails: a figure that cannot be read is absent and its family is left
// out of GET /metrics.

#include <cstdint>
#include <optional>
#include <string_view>

namespace health {

struct ProcessStats {
  std::optional<double> cpu_seconds;               // user + system time
  std::optional<std::uint64_t> resident_bytes;     // resident set size
  std::optional<std::uint64_t> open_fds;           // entries of /proc/self/fd
  std::optional<double> start_time_seconds;        // unix seconds
};

// The fields of /proc/<pid>/stat that the families need, in clock ticks.
struct ProcStat {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t start_ticks = 0;  // since boot
};

// /proc/<pid>/stat: "pid (comm) state ppid ...". comm may hold spaces and
// parentheses, so the fields are counted from the last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// /proc/<pid>/statm: "size resident shared ..." in pages; the resident pages.
std::optional<std::uint64_t> parse_statm_resident_pages(std::string_view text);
// /proc/stat: the "btime <unix seconds>" line, when the system booted.
std::optional<std::int64_t> parse_boot_time(std::string_view text);

// Reads /proc/self/stat, /proc/self/statm, /proc/stat and /proc/self/fd.
ProcessStats read_process_stats();

}  // namespace health
