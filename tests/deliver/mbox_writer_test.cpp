#include "deliver/mbox_writer.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "deliver/file_error.hpp"
#include "deliver/line_ends.hpp"
#include "deliver/mboxrd.hpp"
#include "deliver_fixture.hpp"
#include "python_mailbox.hpp"
#include "support/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using deliver_test::DeliverTest;
using deliver_test::make_message;
using deliver_test::mode_of;
using deliver_test::TinyTmpfs;
using test_support::read_file;

const std::string kFirst =
    "From: Alice <alice@example.com>\r\nSubject: one\r\n\r\nFrom the start\r\n>From quoted\r\n>>From "
    "twice\r\n"
    "Fromage\r\n";
const std::string kSecond = "From: bob@example.org\r\nSubject: two\r\n\r\nbody\r\n";

class MboxWriterTest : public DeliverTest {};

TEST_F(MboxWriterTest, TwoAppendsReadBackByPythonWithTheSameBodies) {
  const auto file = path("alice.mbox");
  deliver::MboxWriter writer(file.string());
  auto first = writer.append(make_message(1, kFirst));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = writer.append(make_message(2, kSecond));
  ASSERT_TRUE(second.ok()) << second.error().message;

  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_FALSE(deliver_test::fs::exists(file.string() + ".lock"));
  const std::string content = read_file(file);
  EXPECT_EQ(content.size(), *first + *second);
  EXPECT_EQ(content,
            deliver::mboxrd_entry(make_message(1, kFirst)) + deliver::mboxrd_entry(make_message(2, kSecond)));
  EXPECT_NE(content.find("\n>From the start\n>>From quoted\n>>>From twice\nFromage\n"), std::string::npos);

  auto read = deliver_test::read_mbox(file, root());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 2u);
  // The '>From' quoting round-trips: the bodies are the archived ones, with LF.
  EXPECT_EQ((*read)[0].bytes, deliver::crlf_to_lf(kFirst));
  EXPECT_EQ((*read)[1].bytes, deliver::crlf_to_lf(kSecond));
}

TEST_F(MboxWriterTest, AppendsAfterAFileThatDoesNotEndInANewline) {
  const auto file = path("mbox");
  ASSERT_TRUE(
      test_support::write_file(file, "From x@y Mon Jan  1 00:00:00 2024\nSubject: old\n\nno newline", 0600)
          .ok());
  deliver::MboxWriter writer(file.string());
  ASSERT_TRUE(writer.append(make_message(2, kSecond)).ok());
  auto read = deliver_test::read_mbox(file, root());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[1].bytes, deliver::crlf_to_lf(kSecond));
}

TEST_F(MboxWriterTest, AHeldDotlockIsATemporaryTimeoutNotAHang) {
  const auto file = path("alice.mbox");
  ASSERT_TRUE(test_support::write_file(file.string() + ".lock", "4242\n").ok());
  deliver::MboxWriter writer(file.string(), deliver::MboxLocking{200ms, std::chrono::seconds(300)});
  const auto start = std::chrono::steady_clock::now();
  auto appended = writer.append(make_message(1, kFirst));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().kind, common::ErrorKind::Timeout);
  EXPECT_EQ(deliver::verdict_of(appended.error()), deliver::Verdict::Temporary);
  EXPECT_NE(appended.error().message.find("locked"), std::string::npos) << appended.error().message;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 5s);
  EXPECT_EQ(read_file(file), "");                           // nothing appended
  EXPECT_EQ(read_file(file.string() + ".lock"), "4242\n");  // somebody else's lock stays
}

TEST_F(MboxWriterTest, AnFcntlLockOfAnotherProgramIsRespected) {
  // Another program (Python's lockf, as mutt or Dovecot use fcntl) holds the
  // mailbox; it says so on stderr once it has the lock.
  const auto file = path("alice.mbox");
  test_support::SpawnOptions options;
  options.output_file = path("locker.out");
  options.pipe_stderr = true;
  auto locker = test_support::ChildProcess::spawn({POPFETCHD_TEST_PYTHON, "-c",
                                                   "import fcntl, sys, time\n"
                                                   "f = open(sys.argv[1], 'a')\n"
                                                   "fcntl.lockf(f, fcntl.LOCK_EX)\n"
                                                   "sys.stderr.write('locked\\n'); sys.stderr.flush()\n"
                                                   "time.sleep(60)\n",
                                                   file.string()},
                                                  options);
  ASSERT_TRUE(locker.ok()) << locker.error().message;
  std::string said;
  char c = 0;
  while (said.find('\n') == std::string::npos && ::read(locker->stderr_fd(), &c, 1) == 1) said += c;
  ASSERT_EQ(said, "locked\n");

  deliver::MboxWriter writer(file.string(), deliver::MboxLocking{200ms, std::chrono::seconds(300)});
  auto appended = writer.append(make_message(1, kFirst));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().kind, common::ErrorKind::Timeout) << appended.error().message;
  EXPECT_FALSE(deliver_test::fs::exists(file.string() + ".lock"));  // nothing held while waiting

  ASSERT_TRUE(locker->stop(std::chrono::seconds(5)).ok());
  auto after = writer.append(make_message(1, kFirst));
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(read_file(file), deliver::mboxrd_entry(make_message(1, kFirst)));
}

TEST_F(MboxWriterTest, AStaleDotlockIsBroken) {
  const auto file = path("alice.mbox");
  const std::string lock = file.string() + ".lock";
  ASSERT_TRUE(test_support::write_file(lock, "4242\n").ok());
  const struct timespec old[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, lock.c_str(), old, 0), 0);
  deliver::MboxWriter writer(file.string(), deliver::MboxLocking{2s, std::chrono::seconds(300)});
  auto appended = writer.append(make_message(1, kFirst));
  ASSERT_TRUE(appended.ok()) << appended.error().message;
  EXPECT_FALSE(deliver_test::fs::exists(lock));
}

TEST_F(MboxWriterTest, AlreadyThereFindsTheExactEntry) {
  const auto file = path("alice.mbox");
  deliver::MboxWriter writer(file.string());
  const auto message = make_message(1, kFirst);
  EXPECT_FALSE(*writer.already_there(message));  // no file yet
  ASSERT_TRUE(writer.append(make_message(2, kSecond)).ok());
  EXPECT_FALSE(*writer.already_there(message));
  ASSERT_TRUE(writer.append(message).ok());
  EXPECT_TRUE(*writer.already_there(message));
  // Another fetch time is another entry (another From_ line).
  EXPECT_FALSE(*writer.already_there(make_message(1, kFirst, "alice", 1704067201)));
}

TEST_F(MboxWriterTest, ADirectoryWhereTheFileShouldBeIsPermanent) {
  deliver_test::fs::create_directory(path("box"));
  deliver::MboxWriter writer(path("box").string());
  auto appended = writer.append(make_message(1, kFirst));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(deliver::verdict_of(appended.error()), deliver::Verdict::Permanent) << appended.error().message;
}

TEST_F(MboxWriterTest, AFullDiskCutsTheFileBackAndIsTemporary) {
  TinyTmpfs disk(path("disk"), 64 * 1024);
  if (!disk.valid()) GTEST_SKIP() << "needs root to mount a small tmpfs";
  const auto file = path("disk/alice.mbox");
  deliver::MboxWriter writer(file.string());
  ASSERT_TRUE(writer.append(make_message(1, kFirst)).ok());
  const std::string before = read_file(file);
  auto appended = writer.append(make_message(2, "Subject: big\r\n\r\n" + std::string(256 * 1024, 'x')));
  ASSERT_FALSE(appended.ok());
  EXPECT_TRUE(deliver::is_disk_full(appended.error())) << appended.error().message;
  EXPECT_EQ(deliver::verdict_of(appended.error()), deliver::Verdict::Temporary);
  EXPECT_EQ(read_file(file), before);
  EXPECT_FALSE(deliver_test::fs::exists(file.string() + ".lock"));
}

}  // namespace
