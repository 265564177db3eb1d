// The archive tools of the command line as a user meets them: `import`
// (Maildir, and an mbox written by Python's mailbox module), `show`, `list`
// and `search` with --json and --limit, `backup`, and the --account rule.
// No server: import fills the archive.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/popfetchd_cli.hpp"
#include "store/archive.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using test_support::CapturedRun;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string describe(const CapturedRun& run) {
  return "exit " + std::to_string(run.exit_code()) + "\nstdout:\n" + run.out + "stderr:\n" + run.err;
}

std::string lf_to_crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// A message with LF line ends whose body has lines an mbox must quote.
std::string lf_message(int n) {
  return "From: Sender " + std::to_string(n) + " <s" + std::to_string(n) + "@example.org>\nSubject: walrus " +
         std::to_string(n) + "\nDate: Tue, 1 Sep 2026 10:0" + std::to_string(n) +
         ":00 +0000\n\nFrom the start " + std::to_string(n) + "\nbody " + std::to_string(n) + "\n";
}

class ArchiveTools : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-tools-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    config_ = dir_->path() / "tools.yaml";
    integration::ConfigAccount alice;
    alice.name = "alice";
    alice.password = "p";
    integration::ConfigAccount bob = alice;
    bob.name = "bob";
    ASSERT_TRUE(integration::write_config(config_, database(), {alice, bob}).ok());
  }
  CapturedRun run(std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", config_.string()});
    auto result = integration::run_popfetchd(args, dir_->path());
    EXPECT_TRUE(result.ok()) << result.error().message;
    if (result) {
      EXPECT_TRUE(integration::sanitizer_clean(result->err)) << result->err;
    }
    return result ? *result : CapturedRun{};
  }
  std::string database() const { return (dir_->path() / "archive.db").string(); }
  fs::path path(const std::string& name) const { return dir_->path() / name; }
  // A Maildir holding `messages` (LF line ends, as MDAs write them).
  fs::path make_maildir(const std::string& name, const std::vector<std::string>& messages) {
    const fs::path dir = path(name);
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(dir / sub);
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const fs::path file =
          dir / (i % 2 == 0 ? "new" : "cur") / ("17000000" + std::to_string(i) + ".M1P1.host:2,S");
      EXPECT_TRUE(test_support::write_file(file, messages[i]).ok());
    }
    EXPECT_TRUE(test_support::write_file(dir / "tmp" / "half-delivered", "Subject: no\n\n").ok());
    return dir;
  }
  nlohmann::json json_of(const std::vector<std::string>& args) {
    const CapturedRun out = run(args);
    EXPECT_EQ(out.exit_code(), 0) << describe(out);
    return nlohmann::json::parse(out.out, nullptr, /*allow_exceptions=*/false);
  }

  std::optional<test_support::TempDir> dir_;
  fs::path config_;
};

TEST_F(ArchiveTools, HelpListsTheArchiveCommands) {
  const CapturedRun help = run({"--help"});
  EXPECT_EQ(help.exit_code(), 0) << describe(help);
  for (const char* command : {"import", "show", "backup", "list", "search", "export"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
    const CapturedRun sub = run({command, "--help"});
    EXPECT_EQ(sub.exit_code(), 0) << command << "\n" << describe(sub);
  }
  EXPECT_THAT(run({"list", "--help"}).out, HasSubstr("--json"));
  EXPECT_THAT(run({"search", "--help"}).out, HasSubstr("--limit"));
}

TEST_F(ArchiveTools, ImportAMaildirTwiceStoresEachMessageOnceWithCrlfLineEnds) {
  const fs::path maildir = make_maildir("Maildir", {lf_message(1), lf_message(2), lf_message(3)});
  const CapturedRun first = run({"import", "--maildir", maildir.string(), "--account", "alice"});
  EXPECT_EQ(first.exit_code(), 0) << describe(first);
  EXPECT_EQ(first.out, "imported 3, already present 0\n");
  const CapturedRun second = run({"import", "--maildir", maildir.string(), "--account", "alice"});
  EXPECT_EQ(second.exit_code(), 0) << describe(second);
  EXPECT_EQ(second.out, "imported 0, already present 3\n");

  const nlohmann::json list = json_of({"list", "--json"});
  ASSERT_EQ(list["messages"].size(), 3U) << list.dump();
  std::set<std::string> shown;
  for (const auto& m : list["messages"]) {
    EXPECT_EQ(m["account"], "alice");
    EXPECT_THAT(m["uidl"].get<std::string>(), StartsWith("imported sha256:"));
    const CapturedRun show = run({"show", std::to_string(m["id"].get<std::int64_t>())});
    EXPECT_EQ(show.exit_code(), 0) << describe(show);
    shown.insert(show.out);
  }
  EXPECT_EQ(shown, (std::set<std::string>{lf_to_crlf(lf_message(1)), lf_to_crlf(lf_message(2)),
                                          lf_to_crlf(lf_message(3))}));

  // What popfetchd exported comes back as already present (the same bytes).
  const fs::path exported = path("exported");
  ASSERT_EQ(run({"export", "--maildir", exported.string()}).exit_code(), 0);
  EXPECT_EQ(run({"import", "--maildir", exported.string(), "--account", "alice"}).out,
            "imported 0, already present 3\n");
  // Another account is another mailbox.
  EXPECT_EQ(run({"import", "--maildir", exported.string(), "--account", "bob"}).out,
            "imported 3, already present 0\n");
}

TEST_F(ArchiveTools, AnMboxWrittenByPythonsMailboxImportsWithTheRightBodies) {
  const fs::path mbox = path("python.mbox");
  // Python quotes body lines starting "From " as ">From " (mboxo) and
  // separates messages with "From " lines and an empty line.
  const std::string script =
      "import mailbox, sys\n"
      "box = mailbox.mbox(sys.argv[1])\n"
      "for n in (1, 2, 3):\n"
      "    text = ('From: Sender {0} <s{0}@example.org>\\nSubject: walrus {0}\\n'\n"
      "            'Date: Tue, 1 Sep 2026 10:0{0}:00 +0000\\n\\nFrom the start {0}\\nbody {0}\\n')\n"
      "    text = text.format(n)\n"
      "    box.add(mailbox.mboxMessage(text))\n"
      "box.flush()\n"
      "box.close()\n";
  ASSERT_STRNE(POPFETCHD_TEST_PYTHON3, "")
      << "python3 was not found (scripts/install-deps --test installs it)";
  auto python = test_support::ChildProcess::run_captured(
      {POPFETCHD_TEST_PYTHON3, "-c", script, mbox.string()}, dir_->path());
  ASSERT_TRUE(python.ok()) << python.error().message;
  ASSERT_EQ(python->exit_code(), 0) << python->err;
  ASSERT_THAT(test_support::read_file(mbox), HasSubstr("\n>From the start 2\n"));

  const CapturedRun imported = run({"import", "--mbox", mbox.string(), "--account", "bob"});
  EXPECT_EQ(imported.exit_code(), 0) << describe(imported);
  EXPECT_EQ(imported.out, "imported 3, already present 0\n");
  EXPECT_EQ(run({"import", "--mbox", mbox.string(), "--account", "bob"}).out,
            "imported 0, already present 3\n");

  const nlohmann::json found = json_of({"search", "walrus", "--json", "--limit", "2"});
  EXPECT_EQ(found["total"], 3);
  ASSERT_EQ(found["messages"].size(), 2U) << found.dump();
  for (int n = 1; n <= 3; ++n) {
    const nlohmann::json one = json_of({"search", "subject:walrus " + std::to_string(n), "--json"});
    ASSERT_EQ(one["total"], 1) << one.dump();
    const std::string id = std::to_string(one["messages"][0]["id"].get<std::int64_t>());
    EXPECT_EQ(run({"show", id}).out, lf_to_crlf(lf_message(n)));
    const std::string headers = run({"show", id, "--headers"}).out;
    EXPECT_EQ(headers, lf_to_crlf(lf_message(n)).substr(0, headers.size()));
    EXPECT_THAT(headers, ::testing::EndsWith("+0000\r\n\r\n"));
  }
}

TEST_F(ArchiveTools, SearchPrintsTheTotalAndListHonoursItsLimit) {
  std::vector<std::string> messages;
  for (int n = 1; n <= 7; ++n) messages.push_back(lf_message(n));
  ASSERT_EQ(
      run({"import", "--maildir", make_maildir("M", messages).string(), "--account", "alice"}).exit_code(),
      0);
  const CapturedRun search = run({"search", "walrus", "--limit", "3"});
  EXPECT_EQ(search.exit_code(), 0) << describe(search);
  EXPECT_THAT(search.out, ::testing::EndsWith("\n3 of 7 matches\n"));
  EXPECT_EQ(json_of({"list", "--json", "--limit", "5"})["messages"].size(), 5U);
  EXPECT_EQ(json_of({"list", "--json", "--account", "bob"})["messages"].size(), 0U);
  const nlohmann::json none = json_of({"search", "nowhere", "--json"});
  EXPECT_EQ(none["total"], 0);
  EXPECT_TRUE(none["messages"].empty());
}

TEST_F(ArchiveTools, ShowOfAnUnknownIdExitsOne) {
  ASSERT_EQ(run({"import", "--maildir", make_maildir("M", {lf_message(1)}).string(), "--account", "alice"})
                .exit_code(),
            0);
  const CapturedRun show = run({"show", "999"});
  EXPECT_EQ(show.exit_code(), 1) << describe(show);
  EXPECT_EQ(show.out, "");
  EXPECT_EQ(show.err, "popfetchd: show: no such message: 999 (see popfetchd list)\n");
}

TEST_F(ArchiveTools, BackupWritesAnOwnerOnlyCopyAndNeverOverwrites) {
  std::vector<std::string> messages;
  for (int n = 1; n <= 5; ++n) messages.push_back(lf_message(n));
  ASSERT_EQ(
      run({"import", "--maildir", make_maildir("M", messages).string(), "--account", "alice"}).exit_code(),
      0);
  const fs::path copy = path("backup.db");
  const CapturedRun backup = run({"backup", copy.string()});
  EXPECT_EQ(backup.exit_code(), 0) << describe(backup);
  EXPECT_THAT(backup.out, StartsWith("backed up 5 messages from "));
  struct stat info {};
  ASSERT_EQ(::stat(copy.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  {
    auto archive = store::Archive::open(copy.string());
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    EXPECT_EQ(archive->list(std::nullopt)->size(), 5U);
  }
  const std::string before = test_support::read_file(copy);
  const CapturedRun again = run({"backup", copy.string()});
  EXPECT_EQ(again.exit_code(), 2) << describe(again);
  EXPECT_THAT(again.err, StartsWith("popfetchd: backup: " + copy.string() + " already exists"));
  EXPECT_EQ(test_support::read_file(copy), before);
}

TEST_F(ArchiveTools, AnAccountNotInTheConfigIsAUsageError) {
  const fs::path maildir = make_maildir("M", {lf_message(1)});
  const std::vector<std::vector<std::string>> commands = {
      {"list", "--account", "nosuch"},
      {"search", "walrus", "--account", "nosuch"},
      {"export", "--mbox", path("out.mbox").string(), "--account", "nosuch"},
      {"import", "--maildir", maildir.string(), "--account", "nosuch"},
  };
  for (const auto& args : commands) {
    const CapturedRun out = run(args);
    EXPECT_EQ(out.exit_code(), 2) << args[0] << "\n" << describe(out);
    EXPECT_EQ(out.err, "popfetchd: " + args[0] + ": no account named 'nosuch' in " + config_.string() + "\n");
  }
  // Nothing was imported for it, nor written anywhere.
  EXPECT_FALSE(fs::exists(path("out.mbox")));
  EXPECT_FALSE(fs::exists(database()));
}

TEST_F(ArchiveTools, ImportRefusesWhatIsNotAMaildirOrAFile) {
  const CapturedRun not_maildir = run({"import", "--maildir", dir_->path().string(), "--account", "alice"});
  EXPECT_EQ(not_maildir.exit_code(), 2) << describe(not_maildir);
  EXPECT_THAT(not_maildir.err, HasSubstr("is not a Maildir"));
  // Only new/ (a Maildir some tools leave without cur/) is enough.
  const fs::path only_new = path("OnlyNew");
  fs::create_directories(only_new / "new");
  ASSERT_TRUE(test_support::write_file(only_new / "new" / "1.M1.host", lf_message(4)).ok());
  EXPECT_EQ(run({"import", "--maildir", only_new.string(), "--account", "alice"}).out,
            "imported 1, already present 0\n");
  const CapturedRun missing = run({"import", "--mbox", path("nope.mbox").string(), "--account", "alice"});
  EXPECT_EQ(missing.exit_code(), 2) << describe(missing);
  const CapturedRun neither = run({"import", "--account", "alice"});
  EXPECT_EQ(neither.exit_code(), 2) << describe(neither);
  ASSERT_TRUE(test_support::write_file(path("plain.txt"), "Subject: hi\n\nnot an mbox\n").ok());
  const CapturedRun not_mbox = run({"import", "--mbox", path("plain.txt").string(), "--account", "alice"});
  EXPECT_EQ(not_mbox.exit_code(), 1) << describe(not_mbox);
  EXPECT_THAT(not_mbox.err, HasSubstr("is not an mbox file"));
}

}  // namespace
