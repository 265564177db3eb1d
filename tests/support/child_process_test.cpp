#include "support/child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using test_support::ChildProcess;
using ::testing::HasSubstr;

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-child-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
  }
  std::filesystem::path out() const { return dir_->path() / "out.txt"; }
  std::optional<test_support::TempDir> dir_;
};

TEST_F(ChildProcessTest, RunSucceedsOnExitZeroAndCapturesOutput) {
  ASSERT_TRUE(ChildProcess::run({"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2"}, out()).ok());
  EXPECT_EQ(test_support::read_file(out()), "to-stdout\nto-stderr\n");
}

TEST_F(ChildProcessTest, RunReportsExitStatusAndOutputTail) {
  auto status = ChildProcess::run({"/bin/sh", "-c", "echo what went wrong; exit 3"}, out());
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("exit 3"));
  EXPECT_THAT(status.error().message, HasSubstr("what went wrong"));
}

TEST_F(ChildProcessTest, SpawnOfAMissingProgramFails) {
  auto child = ChildProcess::spawn({(dir_->path() / "no-such-program").string()}, out());
  EXPECT_FALSE(child.ok());
}

TEST_F(ChildProcessTest, StopTerminatesAndReaps) {
  auto child = ChildProcess::spawn({"/bin/sh", "-c", "exec sleep 1000"}, out());
  ASSERT_TRUE(child.ok());
  EXPECT_TRUE(child->running());
  auto timed_out = child->wait(std::chrono::milliseconds(0));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().kind, common::ErrorKind::Timeout);
  const pid_t pid = child->pid();
  auto status = child->stop();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
  EXPECT_FALSE(child->running());
  // Reaped: the pid is no longer our child.
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  // Idempotent.
  auto again = child->stop();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *status);
}

TEST_F(ChildProcessTest, RunCapturedKeepsStreamsApartAndAddsEnvironment) {
  auto run = ChildProcess::run_captured({"/bin/sh", "-c", "echo out:$EXTRA_ONE; echo err:$HOME >&2; exit 4"},
                                        dir_->path(), {"EXTRA_ONE=1", "HOME=/replaced"});
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->exit_code(), 4);
  EXPECT_EQ(run->out, "out:1\n");
  EXPECT_EQ(run->err, "err:/replaced\n");
}

TEST_F(ChildProcessTest, StderrPipeDeliversOutputWhileRunningAndSignalEndsIt) {
  test_support::SpawnOptions options;
  options.output_file = out();
  options.pipe_stderr = true;
  auto child = ChildProcess::spawn({"/bin/sh", "-c", "echo ready >&2; exec sleep 1000"}, options);
  ASSERT_TRUE(child.ok());
  ASSERT_GE(child->stderr_fd(), 0);
  char buffer[16] = {};
  // Blocks until the line is written: the pipe is the synchronisation.
  ASSERT_EQ(::read(child->stderr_fd(), buffer, 6), 6);
  EXPECT_EQ(std::string(buffer, 6), "ready\n");
  ASSERT_TRUE(child->send_signal(SIGKILL).ok());
  auto status = child->wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  EXPECT_EQ(::read(child->stderr_fd(), buffer, sizeof buffer), 0);  // EOF: no other writer
  EXPECT_FALSE(child->send_signal(SIGKILL).ok());                   // reaped
}

}  // namespace
