#include "store/export.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "add_message.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using test_support::read_file;
using test_support::TempDir;

namespace fs = std::filesystem;

store::Archive sample_archive() {
  auto archive = store::Archive::open(":memory:");
  EXPECT_TRUE(archive.ok());
  EXPECT_TRUE(store_test::add_message(
                  *archive, "alice", "1",
                  "From: Alice <alice@example.com>\r\nSubject: one\r\n\r\n"
                  "From the start\r\n>From quoted\r\n>>From twice\r\nFrom\r\nFromage\r\nlast line",
                  1704067200)
                  .ok());
  EXPECT_TRUE(
      store_test::add_message(*archive, "bob", "2", "From: bob\r\nSubject: two\r\n\r\nbody\r\n", 1704067260)
          .ok());
  EXPECT_TRUE(store_test::add_message(*archive, "alice", "3",
                                      std::string("Subject: bin\r\n\r\n\0\xff\r\n", 20), 1704067320)
                  .ok());
  return std::move(archive).value();
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Export, Maildir) {
  auto archive = sample_archive();
  TempDir dir;
  const std::string maildir = dir.file("Maildir");
  auto stats = store::export_maildir(archive, maildir);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->messages, 3);
  EXPECT_TRUE(files_in(maildir + "/tmp").empty());
  EXPECT_TRUE(files_in(maildir + "/cur").empty());
  const auto files = files_in(maildir + "/new");
  ASSERT_EQ(files.size(), 3u);
  std::int64_t bytes = 0;
  std::vector<std::string> contents;
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    EXPECT_EQ(name.find(':'), std::string::npos) << name;
    EXPECT_NE(name.find(".popfetchd,S="), std::string::npos) << name;
    const std::string content = read_file(file.string());
    EXPECT_NE(name.find(",S=" + std::to_string(content.size())), std::string::npos) << name;
    bytes += static_cast<std::int64_t>(content.size());
    contents.push_back(content);
  }
  EXPECT_EQ(bytes, stats->bytes);
  std::sort(contents.begin(), contents.end());
  EXPECT_EQ(contents[1], "From: bob\nSubject: two\n\nbody\n");
  EXPECT_EQ(contents[2], std::string("Subject: bin\n\n\0\xff\n", 17));
  // No From quoting in a Maildir.
  EXPECT_NE(contents[0].find("\nFrom the start\n>From quoted\n"), std::string::npos);
  // The arrival time (mtime) is when popfetchd fetched the message.
  std::vector<std::int64_t> mtimes;
  for (const auto& file : files) {
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    mtimes.push_back(static_cast<std::int64_t>(info.st_mtime));
  }
  std::sort(mtimes.begin(), mtimes.end());
  EXPECT_EQ(mtimes, (std::vector<std::int64_t>{1704067200, 1704067260, 1704067320}));

  EXPECT_EQ(stats->already_there, 0);

  // Again, for one account, into the same Maildir: nothing is written twice.
  auto again = store::export_maildir(archive, maildir, "alice");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->messages, 0);
  EXPECT_EQ(again->already_there, 2);
  EXPECT_EQ(again->bytes, 0);
  EXPECT_EQ(files_in(maildir + "/new").size(), 3u);
}

TEST(Export, MaildirFindsMessagesAMailReaderMovedToCur) {
  auto archive = sample_archive();
  TempDir dir;
  const std::string maildir = dir.file("Maildir");
  ASSERT_TRUE(store::export_maildir(archive, maildir).ok());
  // A mail reader marks one message seen: new/<name> becomes cur/<name>:2,S.
  const fs::path first = files_in(maildir + "/new").front();
  fs::rename(first, fs::path(maildir) / "cur" / (first.filename().string() + ":2,S"));

  auto again = store::export_maildir(archive, maildir);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->messages, 0);
  EXPECT_EQ(again->already_there, 3);
  EXPECT_EQ(files_in(maildir + "/new").size(), 2u);
  EXPECT_EQ(files_in(maildir + "/cur").size(), 1u);
  EXPECT_TRUE(files_in(maildir + "/tmp").empty());
}

TEST(Export, MaildirErrors) {
  auto archive = sample_archive();
  TempDir dir;
  auto missing_parent = store::export_maildir(archive, dir.file("no/such/Maildir"));
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_EQ(missing_parent.error().kind, common::ErrorKind::Io);
  ASSERT_TRUE(test_support::write_file(dir.file("file"), "x").ok());
  EXPECT_FALSE(store::export_maildir(archive, dir.file("file")).ok());
}

TEST(Export, Mbox) {
  auto archive = sample_archive();
  TempDir dir;
  const std::string mbox = dir.file("archive.mbox");
  auto stats = store::export_mbox(archive, mbox);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->messages, 3);
  const std::string content = read_file(mbox);
  EXPECT_EQ(static_cast<std::int64_t>(content.size()), stats->bytes);
  EXPECT_EQ(content,
            "From alice@example.com Mon Jan  1 00:00:00 2024\n"
            "From: Alice <alice@example.com>\nSubject: one\n\n"
            ">From the start\n>>From quoted\n>>>From twice\nFrom\nFromage\nlast line\n\n"
            "From MAILER-DAEMON Mon Jan  1 00:01:00 2024\n"
            "From: bob\nSubject: two\n\nbody\n\n"
            "From MAILER-DAEMON Mon Jan  1 00:02:00 2024\n" +
                std::string("Subject: bin\n\n\0\xff\n\n", 18));

  // Reading it back as mboxrd gives the messages (LF form) again.
  std::vector<std::string> messages;
  std::size_t pos = 0;
  while (pos < content.size()) {
    const std::size_t line_end = content.find('\n', pos);
    const std::string line = content.substr(pos, line_end - pos);
    if (line.rfind("From ", 0) == 0) {
      messages.emplace_back();
    } else {
      std::size_t quotes = 0;
      while (quotes < line.size() && line[quotes] == '>') ++quotes;
      const bool quoted = quotes > 0 && line.compare(quotes, 5, "From ") == 0;
      messages.back() += (quoted ? line.substr(1) : line) + "\n";
    }
    pos = line_end + 1;
  }
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(
      messages[0],
      "From: Alice <alice@example.com>\nSubject: one\n\nFrom the start\n>From quoted\n>>From twice\nFrom\n"
      "Fromage\nlast line\n\n");
  EXPECT_EQ(messages[1], "From: bob\nSubject: two\n\nbody\n\n");
}

TEST(Export, MboxForOneAccountAndNeverOverwrites) {
  auto archive = sample_archive();
  TempDir dir;
  const std::string mbox = dir.file("bob.mbox");
  auto stats = store::export_mbox(archive, mbox, "bob");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->messages, 1);
  const std::string before = read_file(mbox);

  auto again = store::export_mbox(archive, mbox);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, common::ErrorKind::Io);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(read_file(mbox), before);
}

TEST(Export, MboxInMissingDirectoryFails) {
  auto archive = sample_archive();
  TempDir dir;
  auto result = store::export_mbox(archive, dir.file("missing/x.mbox"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, common::ErrorKind::Io);
}

}  // namespace
