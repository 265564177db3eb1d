// MdaTarget against small shell scripts written by the tests: what reaches
// the MDA's stdin, how exit statuses, signals and the time limit map onto
// outcomes, what the child inherits (environment, descriptors).
#include "deliver/mda_target.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/unique_fd.hpp"
#include "deliver/run_delivery.hpp"
#include "net/uv.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace deliver {
namespace {

using deliver_test::make_message;
using deliver_test::run_delivery;
namespace fs = std::filesystem;

const std::string kRaw = "From: a@example.org\r\nSubject: hi\r\n\r\nline one\r\n.dot\r\nlone\rcr\r\n";

class MdaTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-mda-");
    ASSERT_TRUE(dir) << dir.error().message;
    dir_.emplace(std::move(*dir));
  }
  void TearDown() override { EXPECT_EQ(loop_.close(), 0u) << loop_.leaked_handles(); }

  fs::path path(const std::string& name) const { return dir_->path() / name; }

  // A config running `/bin/sh <script>` whose text is `body`.
  config::DeliveryTarget script(const std::string& body,
                                std::chrono::seconds timeout = std::chrono::seconds(30)) {
    const fs::path file = path("mda-" + std::to_string(++scripts_) + ".sh");
    EXPECT_TRUE(test_support::write_file(file, "set -u\ncd '" + dir_->path().string() + "'\n" + body, 0755));
    config::DeliveryTarget target;
    target.kind = config::DeliveryTarget::Kind::Mda;
    target.argv = {"/bin/sh", file.string()};
    target.timeout = timeout;
    return target;
  }

  Outcome deliver(MdaTarget& target, const std::string& raw = kRaw) {
    auto result = run_delivery(loop_.get(), target, make_message(raw));
    EXPECT_EQ(result.calls, 1);
    EXPECT_FALSE(result.called_inside);
    EXPECT_TRUE(result.outcome);
    return result.outcome.value_or(Outcome{Verdict::Temporary, "no outcome"});
  }

  net::UvLoop loop_;
  std::optional<test_support::TempDir> dir_;
  int scripts_ = 0;
};

TEST_F(MdaTargetTest, ExitZeroIsDeliveredWithLfLineEnds) {
  MdaTarget target(loop_.get(), script("cat > out\n"), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Delivered) << outcome.detail;
  EXPECT_EQ(outcome.detail, "");
  EXPECT_EQ(test_support::read_file(path("out")),
            "From: a@example.org\nSubject: hi\n\nline one\n.dot\nlone\rcr\n");
}

TEST_F(MdaTargetTest, LargeMessageArrivesWhole) {
  std::string raw = "Subject: big\r\n\r\n";
  while (raw.size() < 8 * 1024 * 1024) raw += std::string(998, 'x') + "\r\n";
  MdaTarget target(loop_.get(), script("cat > out\n"), {});
  EXPECT_EQ(deliver(target, raw).verdict, Verdict::Delivered);
  const std::string out = test_support::read_file(path("out"));
  std::size_t line_ends = 0;
  for (std::size_t at = raw.find("\r\n"); at != std::string::npos; at = raw.find("\r\n", at + 2)) ++line_ends;
  EXPECT_EQ(out.size(), raw.size() - line_ends);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST_F(MdaTargetTest, MdaThatStopsReadingEarlyIsJudgedByItsExitStatus) {
  std::string raw = "Subject: big\r\n\r\n";
  while (raw.size() < 8 * 1024 * 1024) raw += std::string(998, 'y') + "\r\n";
  MdaTarget ok(loop_.get(), script("head -c 10 > /dev/null\nexit 0\n"), {});
  EXPECT_EQ(deliver(ok, raw).verdict, Verdict::Delivered);
  MdaTarget failing(loop_.get(), script("exit 3\n"), {});
  const Outcome outcome = deliver(failing, raw);
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_EQ(outcome.detail, "exit 3");
}

TEST_F(MdaTargetTest, TempFailThenSuccessDeliversOnce) {
  MdaTarget target(loop_.get(),
                   script("if [ ! -e tried ]; then touch tried; echo 'quota lookup failed' >&2; exit 75; fi\n"
                          "cat >> out\n"),
                   {});
  const Outcome first = deliver(target);
  EXPECT_EQ(first.verdict, Verdict::Temporary);
  EXPECT_EQ(first.detail, "exit 75 (temporary failure): quota lookup failed");
  EXPECT_EQ(test_support::read_file(path("out")), "");
  EXPECT_EQ(deliver(target).verdict, Verdict::Delivered);
  EXPECT_EQ(test_support::read_file(path("out")),
            "From: a@example.org\nSubject: hi\n\nline one\n.dot\nlone\rcr\n");
}

TEST_F(MdaTargetTest, OtherExitIsPermanentWithStderrOnOneLine) {
  MdaTarget target(
      loop_.get(),
      script("cat > /dev/null\nprintf 'user unknown\\n\\tsecond line\\n\\033[31m' >&2\nexit 1\n"), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_EQ(outcome.detail, "exit 1: user unknown second line ?[31m");
}

TEST_F(MdaTargetTest, StderrIsBounded) {
  MdaTarget target(loop_.get(), script("head -c 1000000 /dev/zero | tr '\\0' e >&2\nexit 1\n"), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_LT(outcome.detail.size(), 1100u);
}

TEST_F(MdaTargetTest, KilledBySignalIsTemporary) {
  MdaTarget target(loop_.get(), script("kill -KILL $$\n"), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("killed by signal 9"), std::string::npos) << outcome.detail;
}

TEST_F(MdaTargetTest, SleepingMdaIsKilledAtTheTimeLimit) {
  MdaTarget target(loop_.get(),
                   script("echo started >&2\nsleep 30 & echo $! > sleeper\nwait\n", std::chrono::seconds(1)),
                   {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_EQ(outcome.detail, "did not finish within 1s and was killed: started");
  // Its child went with it (the signal went to the whole process group): it
  // exits, perhaps a moment after the shell (a pidfd turns readable then).
  const std::string pid = test_support::read_file(path("sleeper"));
  ASSERT_FALSE(pid.empty());
  common::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(pid), 0)));
  if (pidfd.valid()) {
    pollfd exited{pidfd.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&exited, 1, 10'000), 1) << "the MDA's child is still running";
  } else {
    EXPECT_EQ(errno, ESRCH);  // gone already
  }
}

TEST_F(MdaTargetTest, MdaIgnoringSigtermIsKilledAfterTheGrace) {
  MdaTarget target(loop_.get(), script("trap '' TERM\nsleep 30\n", std::chrono::seconds(1)), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("did not finish within 1s"), std::string::npos) << outcome.detail;
}

TEST_F(MdaTargetTest, WithheldVariablesAreNotVisible) {
  ASSERT_EQ(::setenv("POPFETCHD_TEST_SECRET", "hunter2", 1), 0);
  ASSERT_EQ(::setenv("POPFETCHD_TEST_VISIBLE", "yes", 1), 0);
  MdaTarget target(
      loop_.get(),
      script("echo \"secret=${POPFETCHD_TEST_SECRET:-unset} visible=${POPFETCHD_TEST_VISIBLE:-unset}\" >&2\n"
             "exit 1\n"),
      {"POPFETCHD_TEST_SECRET"});
  const Outcome outcome = deliver(target);
  ::unsetenv("POPFETCHD_TEST_SECRET");
  ::unsetenv("POPFETCHD_TEST_VISIBLE");
  EXPECT_EQ(outcome.detail, "exit 1: secret=unset visible=yes");
}

TEST_F(MdaTargetTest, ChildHasOnlyStdinStdoutStderrAndStdoutIsDevNull) {
  // A descriptor without close-on-exec, as a careless parent might leave one.
  const int stray = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(stray, 3);
  config::DeliveryTarget config;
  config.kind = config::DeliveryTarget::Kind::Mda;
  // The shell's own fd 1 is read from a subshell; then `ls` (fd 3: its
  // directory) shows what the shell got.
  config.argv = {
      "/bin/sh", "-c",
      "out=$(readlink /proc/$$/fd/1); exec 1>&2; ls /proc/self/fd | tr '\\n' ' '; echo \"$out\"; exit 9"};
  MdaTarget target(loop_.get(), config, {});
  const Outcome outcome = deliver(target);
  ::close(stray);
  EXPECT_EQ(outcome.detail, "exit 9: 0 1 2 3 /dev/null");
}

TEST_F(MdaTargetTest, MissingProgramIsPermanent) {
  config::DeliveryTarget config;
  config.kind = config::DeliveryTarget::Kind::Mda;
  config.argv = {path("no-such-mda").string()};
  MdaTarget target(loop_.get(), config, {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_NE(outcome.detail.find("cannot run"), std::string::npos) << outcome.detail;
}

TEST_F(MdaTargetTest, DestroyingTheTargetKillsARunningMda) {
  auto target =
      std::make_unique<MdaTarget>(loop_.get(), script("exec sleep 300\n"), std::vector<std::string>{});
  bool called = false;
  target->deliver(Attempt{make_message(kRaw), false}, [&called](Outcome) { called = true; });
  uv_run(loop_.get(), UV_RUN_NOWAIT);
  target.reset();
  // The loop ends only once the child was reaped: it was killed, not left for 300 s.
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(loop_.close(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(60));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace deliver
