#include "deliver/maildir_writer.hpp"

#include <gtest/gtest.h>

#include "deliver/file_error.hpp"
#include "deliver/line_ends.hpp"
#include "deliver_fixture.hpp"
#include "python_mailbox.hpp"

namespace {

using deliver_test::DeliverTest;
using deliver_test::make_message;
using deliver_test::mode_of;
using deliver_test::names_in;
using deliver_test::TinyTmpfs;
using test_support::read_file;

const std::string kRaw =
    "From: Alice <alice@example.com>\r\nSubject: hi\r\n\r\nFrom the start\r\nbare\rCR\r\n";

class MaildirWriterTest : public DeliverTest {};

TEST_F(MaildirWriterTest, CreatesTheMaildirAndPutsTheMessageInNewWithLfLineEnds) {
  const auto maildir = path("Maildir");
  deliver::MaildirWriter writer(maildir.string());
  const auto message = make_message(7, kRaw);
  auto written = writer.write(message);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_TRUE(written->written);
  ASSERT_TRUE(writer.sync_new().ok());

  for (const char* sub : {"", "/cur", "/new", "/tmp"}) {
    EXPECT_EQ(mode_of(maildir.string() + sub), 0700u) << sub;
  }
  const std::string lf = deliver::crlf_to_lf(kRaw);
  const std::string name = deliver::maildir_base_name(deliver::maildir_key(message), lf.size());
  EXPECT_EQ(written->name, name);
  EXPECT_EQ(written->size, lf.size());
  ASSERT_EQ(names_in(maildir / "new"), std::vector<std::string>{name});
  EXPECT_TRUE(names_in(maildir / "tmp").empty());
  EXPECT_TRUE(names_in(maildir / "cur").empty());
  EXPECT_EQ(read_file(maildir / "new" / name), lf);
  EXPECT_EQ(mode_of(maildir / "new" / name), 0600u);
  struct stat info {};
  ASSERT_EQ(::stat((maildir / "new" / name).c_str(), &info), 0);
  EXPECT_EQ(info.st_mtime, message.fetched_at);  // Maildir readers take the mtime as the arrival time
}

TEST_F(MaildirWriterTest, WritingTheSameMessageAgainAddsNothing) {
  deliver::MaildirWriter writer(path("Maildir").string());
  const auto message = make_message(7, kRaw);
  ASSERT_TRUE(writer.write(message).ok());
  auto again = writer.write(message);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->written);
  EXPECT_EQ(names_in(path("Maildir/new")).size(), 1u);
  EXPECT_TRUE(names_in(path("Maildir/tmp")).empty());
}

TEST_F(MaildirWriterTest, AlreadyThereFindsTheMessageInNewAndAfterAMailReaderMovedIt) {
  deliver::MaildirWriter writer(path("Maildir").string());
  const auto message = make_message(7, kRaw);
  const auto other = make_message(8, kRaw);
  auto before = writer.already_there(message);
  ASSERT_TRUE(before.ok()) << before.error().message;  // no Maildir yet: nothing there
  EXPECT_FALSE(*before);

  auto written = writer.write(message);
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(*writer.already_there(message));
  EXPECT_FALSE(*writer.already_there(other));

  // mutt marks it seen: new/<name> -> cur/<name>:2,S.
  deliver_test::fs::rename(path("Maildir/new/" + written->name),
                           path("Maildir/cur/" + written->name + ":2,S"));
  EXPECT_TRUE(*writer.already_there(message));
  EXPECT_FALSE(*writer.already_there(other));
  auto present = writer.uniques_present();
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(present->size(), 1u);
  EXPECT_EQ(present->count(deliver::maildir_unique(deliver::maildir_key(message))), 1u);
}

TEST_F(MaildirWriterTest, PythonsMailboxReadsTheMessagesBack) {
  deliver::MaildirWriter writer(path("Maildir").string());
  const std::vector<std::string> raws = {kRaw, "Subject: two\r\n\r\n>From quoted\r\nno final newline",
                                         std::string("Subject: bin\r\n\r\n\0\xff\r\n", 19)};
  for (std::size_t i = 0; i < raws.size(); ++i) {
    ASSERT_TRUE(writer.write(make_message(static_cast<std::int64_t>(i + 1), raws[i])).ok());
  }
  auto first = make_message(1, raws[0]);
  const std::string first_name = writer.write(first)->name;
  deliver_test::fs::rename(path("Maildir/new/" + first_name), path("Maildir/cur/" + first_name + ":2,S"));

  auto read = deliver_test::read_maildir(path("Maildir"), root());
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 3u);
  // Keys sort by name, and the names by row id here (same fetched_at, ids 1-3).
  for (std::size_t i = 0; i < raws.size(); ++i)
    EXPECT_EQ((*read)[i].bytes, deliver::crlf_to_lf(raws[i])) << i;
  EXPECT_EQ((*read)[0].subdir, "cur");
  EXPECT_EQ((*read)[0].flags, "S");
  EXPECT_EQ((*read)[1].subdir, "new");
}

TEST_F(MaildirWriterTest, AMissingParentIsATemporaryErrorNamingThePath) {
  deliver::MaildirWriter writer(path("no/such/Maildir").string());
  auto written = writer.write(make_message(1, kRaw));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().kind, common::ErrorKind::Io);
  EXPECT_NE(written.error().message.find(path("no/such/Maildir").string()), std::string::npos)
      << written.error().message;
  EXPECT_EQ(deliver::verdict_of(written.error()), deliver::Verdict::Temporary);
}

TEST_F(MaildirWriterTest, AFileWhereTheMaildirShouldBeIsPermanent) {
  ASSERT_TRUE(test_support::write_file(path("file"), "x").ok());
  deliver::MaildirWriter writer(path("file").string());
  auto written = writer.write(make_message(1, kRaw));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(deliver::verdict_of(written.error()), deliver::Verdict::Permanent) << written.error().message;
  EXPECT_NE(written.error().message.find("not a directory"), std::string::npos) << written.error().message;
}

TEST_F(MaildirWriterTest, AFullDiskIsTemporaryAndLeavesNothingBehind) {
  TinyTmpfs disk(path("disk"), 64 * 1024);
  if (!disk.valid()) GTEST_SKIP() << "needs root to mount a small tmpfs";
  deliver::MaildirWriter writer(path("disk/Maildir").string());
  ASSERT_TRUE(writer.write(make_message(1, kRaw)).ok());
  auto written = writer.write(make_message(2, "Subject: big\r\n\r\n" + std::string(256 * 1024, 'x')));
  ASSERT_FALSE(written.ok());
  EXPECT_TRUE(deliver::is_disk_full(written.error())) << written.error().message;
  EXPECT_EQ(deliver::verdict_of(written.error()), deliver::Verdict::Temporary);
  EXPECT_TRUE(names_in(path("disk/Maildir/tmp")).empty());
  EXPECT_EQ(names_in(path("disk/Maildir/new")).size(), 1u);
}

}  // namespace
