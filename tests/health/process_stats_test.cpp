#include "health/process_stats.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace health {
namespace {

// proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt
// majflt cmajflt utime stime cutime cstime priority nice num_threads
// itrealvalue starttime vsize rss ...
constexpr std::string_view kStat =
    "4242 (pop fetch) d)) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 3 0 123456 "
    "123456789 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcStat, FieldsAreCountedFromTheLastParenthesis) {
  const auto stat = parse_proc_stat(kStat);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 123456u);
}

TEST(ProcStat, TruncatedOrGarbledIsNothing) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 2 3"));
  EXPECT_FALSE(parse_proc_stat("4242 x S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 3 0 123456"));
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 4242 4242 0 -1 4194560 900 0 0 0 2x0 75 0 0 20 0 3 0 123456"));
}

TEST(Statm, ResidentIsTheSecondField) {
  EXPECT_EQ(parse_statm_resident_pages("5000 1200 300 100 0 800 0\n"), 1200u);
  EXPECT_FALSE(parse_statm_resident_pages("5000"));
  EXPECT_FALSE(parse_statm_resident_pages("5000 -1"));
}

TEST(BootTime, FoundOnItsOwnLine) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5 6\nbtime 1764800000\nprocesses 99\n"), 1764800000);
  EXPECT_EQ(parse_boot_time("btime 17"), 17);
  EXPECT_FALSE(parse_boot_time("cpu 1 2\nbtimex 5\n"));
  EXPECT_FALSE(parse_boot_time(""));
}

TEST(ProcessStats, ThisProcessHasPlausibleFigures) {
  const ProcessStats stats = read_process_stats();
  ASSERT_TRUE(stats.cpu_seconds && stats.resident_bytes && stats.open_fds && stats.start_time_seconds);
  EXPECT_GE(*stats.cpu_seconds, 0.0);
  EXPECT_GT(*stats.resident_bytes, 0u);
  EXPECT_GE(*stats.open_fds, 3u);  // stdin, stdout, stderr at least
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(*stats.start_time_seconds, now + 1);
  EXPECT_GT(*stats.start_time_seconds, now - 3600);  // a test binary started within the hour
}

}  // namespace
}  // namespace health
