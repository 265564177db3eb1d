#include "common/log.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    common::set_log_sink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    common::set_log_sink({});
    common::set_log_level(common::LogLevel::Info);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, PutsAccountAndLevelOnTheLine) {
  common::set_log_level(common::LogLevel::Info);
  common::log_warn("alice", "weak security mode");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find(" warn [alice] weak security mode"), std::string::npos) << lines_[0];
}

TEST_F(LogTest, DropsRecordsBelowTheLevel) {
  common::set_log_level(common::LogLevel::Warn);
  common::log_info("alice", "hidden");
  common::log_debug("", "hidden");
  common::log_error("", "shown");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("shown"), std::string::npos);
}

TEST_F(LogTest, ParsesLevels) {
  EXPECT_EQ(common::parse_log_level("debug"), common::LogLevel::Debug);
  EXPECT_EQ(common::parse_log_level("verbose"), std::nullopt);
}

// Issue 16: JOURNAL_STREAM is trusted only when it names the descriptor.
TEST(JournalStream, MatchesOnlyTheDeviceAndInodeOfTheDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fds[1], &st), 0);
  const std::string dev = std::to_string(static_cast<unsigned long long>(st.st_dev));
  const std::string ino = std::to_string(static_cast<unsigned long long>(st.st_ino));
  EXPECT_TRUE(common::journal_stream_matches((dev + ":" + ino).c_str(), fds[1]));
  EXPECT_FALSE(common::journal_stream_matches((dev + ":" + std::to_string(st.st_ino + 1)).c_str(), fds[1]));
  EXPECT_FALSE(common::journal_stream_matches((dev + ":" + ino + "x").c_str(), fds[1]));
  EXPECT_FALSE(common::journal_stream_matches("", fds[1]));
  EXPECT_FALSE(common::journal_stream_matches("1", fds[1]));
  EXPECT_FALSE(common::journal_stream_matches(nullptr, fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
