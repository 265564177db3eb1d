// 100 accounts against one Dovecot, polled concurrently on one thread by
// `popfetchd poll-once` (the same PollRunner the daemon's scheduler uses).
// Asserts that every account got its mail; REPORTS (never asserts) the wall
// time against the sum of the per-account times from the summary lines —
// their ratio is how many sessions effectively ran at once.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "daemon_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/files.hpp"
#include "support/sample_message.hpp"
#include "support/temp_dir.hpp"

namespace popfetchd::daemon::e2e {
namespace {

constexpr int kAccounts = 100;
constexpr int kMessagesEach = 3;

std::string user(int i) {
  char name[16];
  std::snprintf(name, sizeof name, "user%03d", i);
  return name;
}

TEST(ManyAccounts, HundredAccountsPollConcurrentlyOnOneThread) {
  auto dir = test_support::TempDir::create("popfetchd-many-");
  ASSERT_TRUE(dir.ok());
  test_support::DovecotServer dovecot;
  for (int i = 0; i < kAccounts; ++i) {
    ASSERT_TRUE(dovecot.add_user(user(i), "pw-" + user(i)).ok());
    for (int m = 0; m < kMessagesEach; ++m) {
      ASSERT_TRUE(dovecot.deliver(user(i), test_support::make_message(i * 10 + m, 5000, {})).ok());
    }
  }
  auto started = dovecot.start(test_support::DovecotOptions::without_ssl());
  ASSERT_TRUE(started.ok()) << started.error().message;

  ConfigSpec spec;
  spec.database = (dir->path() / "many.db").string();
  spec.health_socket = "";
  spec.max_concurrent_polls = kAccounts;
  for (int i = 0; i < kAccounts; ++i)
    spec.accounts.push_back({user(i), dovecot.pop3_port(), "none", "", "pw-" + user(i), "", ""});
  const auto config = dir->path() / "many.yaml";
  ASSERT_TRUE(write_config(config, spec).ok());

  const auto output = dir->path() / "poll-once.out";
  const auto begin = std::chrono::steady_clock::now();
  const int status = run_command(config, {"poll-once"}, output);
  const auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const std::string text = test_support::read_file(output);
  ASSERT_EQ(status, 0) << text;

  // "user007: 3 new (0.0 MB), 0 deleted in 0.3s"
  const std::regex summary(R"(^(user\d{3}): (\d+) new .* in ([0-9.]+)s$)");
  double sum = 0;
  double longest = 0;
  int lines = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, summary)) continue;
    ++lines;
    EXPECT_EQ(std::stoi(match[2]), kMessagesEach) << line;
    const double seconds = std::stod(match[3]);
    sum += seconds;
    longest = std::max(longest, seconds);
  }
  EXPECT_EQ(lines, kAccounts) << text;

  const auto totals = archive_totals(spec.database);
  EXPECT_EQ(totals.size(), static_cast<std::size_t>(kAccounts));
  for (const auto& [account, row] : totals) EXPECT_EQ(row.messages, kMessagesEach) << account;

  // For comparison: the same polls one at a time (max_concurrent_polls: 1)
  // into a fresh archive.
  spec.database = (dir->path() / "sequential.db").string();
  spec.max_concurrent_polls = 1;
  ASSERT_TRUE(write_config(config, spec).ok());
  const auto sequential_begin = std::chrono::steady_clock::now();
  ASSERT_EQ(run_command(config, {"poll-once"}, dir->path() / "sequential.out"), 0);
  const auto sequential =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sequential_begin).count();

  // The report (summaries round to 0.1 s, so the sum is approximate).
  char report[320];
  std::snprintf(report, sizeof report,
                "%d accounts x %d messages: wall %.2fs, sum of per-account times %.1fs, longest %.1fs, "
                "overlap factor %.1f; one at a time: wall %.2fs",
                kAccounts, kMessagesEach, wall, sum, longest, wall > 0 ? sum / wall : 0.0, sequential);
  std::printf("REPORT %s\n", report);
  ::testing::Test::RecordProperty("concurrency_report", report);
}

}  // namespace
}  // namespace popfetchd::daemon::e2e
