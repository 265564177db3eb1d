#pragma once
// Cli: the fixture of the command-line tests (cli_test.cpp, cli_dovecot_test.cpp):
// a scratch directory per test and run(), which runs the real popfetchd
// binary there and fails the test when the run could not be made or a
// sanitizer reported anything.
// Owns the scratch directory (removed after the test).

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "integration/popfetchd_cli.hpp"
#include "support/temp_dir.hpp"

namespace integration {

// `text` split at '\n' (a last line without one counts; no empty last line).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline std::string describe(const test_support::CapturedRun& run) {
  return "exit " + std::to_string(run.exit_code()) + "\nstdout:\n" + run.out + "stderr:\n" + run.err;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-cli-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
  }
  test_support::CapturedRun run(const std::vector<std::string>& args) {
    auto result = run_popfetchd(args, dir_->path());
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (result) {
      EXPECT_TRUE(integration::sanitizer_clean(result->err)) << result->err;
    }
    return result ? *result : test_support::CapturedRun{};
  }
  std::optional<test_support::TempDir> dir_;
};

}  // namespace integration
