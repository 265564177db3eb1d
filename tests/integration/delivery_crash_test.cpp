// Issue 13's crash test for delivery: the real `popfetchd deliver` hands
// archived messages to a Maildir (80 more before each run, 880 in all) and
// is killed with SIGKILL again and again at chosen points of the run: right
// after it created its k-th file in tmp/ (staging), or linked its k-th file
// into new/ (publishing: between the link and its record). Once, between two runs, a mail reader moves everything from
// new/ to cur/ (adding ":2,S"). Then a last run goes to completion. Each
// message must end up in the Maildir exactly once, with the archived bytes
// in LF form, and the archive must record every one as delivered.
//
// Where the kills land: the test watches tmp/ and new/ with inotify and
// sends SIGKILL when the k-th IN_CREATE of the chosen directory arrives. The
// kill is the experiment, not a synchronisation: wherever it lands, the
// invariants must hold.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "deliver/line_ends.hpp"
#include "integration/popfetchd_cli.hpp"
#include "store/archive.hpp"
#include "store/delivery_log.hpp"
#include "support/child_process.hpp"
#include "support/files.hpp"
#include "support/sample_message.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

// Archived before each run: more than any kill point, so every run has new
// messages to write (runs go on past their kill point before the signal
// lands, and in-doubt messages are settled without writing anything).
constexpr int kMessagesPerRun = 80;
constexpr auto kRunDeadline = std::chrono::seconds(120);

enum class Where { Tmp, New };

struct Kill {
  Where where;
  int k;  // after the k-th file created there
};

// The base name of a Maildir entry: without ":2,flags".
std::string base_of(const std::string& name) { return name.substr(0, name.find(':')); }

class DeliveryCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-delivery-crash-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    db_ = (dir_->path() / "archive.db").string();
    maildir_ = dir_->path() / "Maildir";
    config_ = dir_->path() / "popfetchd.yaml";
    integration::ConfigAccount alice;
    alice.name = "alice";
    alice.password = "unused";
    alice.extra = {"deliver:", "  - maildir: " + maildir_.string()};
    ASSERT_TRUE(integration::write_config(config_, db_, {alice}).ok());
  }

  // Archives kMessagesPerRun more messages of alice (as a poll would).
  void archive_more() {
    auto archive = store::Archive::open(db_);
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    auto batch = archive->begin_batch();
    ASSERT_TRUE(batch.ok());
    for (int n = 0; n < kMessagesPerRun; ++n) {
      const int i = static_cast<int>(raws_.size());
      const std::string raw =
          test_support::make_message(static_cast<std::uint64_t>(i), static_cast<std::size_t>(1500 + 37 * (i % 400)));
      ASSERT_TRUE(batch->add_message("alice", "u" + std::to_string(i), raw, 1700000000 + i).ok());
      raws_["u" + std::to_string(i)] = raw;
    }
    ASSERT_TRUE(batch->commit().ok());
  }

  std::vector<std::string> deliver_argv() const {
    return {integration::popfetchd_binary(), "-c", config_.string(), "deliver", "--account", "alice", "--all"};
  }

  // Runs deliver and kills it at `kill`; false when it ended by itself first.
  bool run_and_kill(const Kill& kill) {
    fs::create_directories(maildir_ / "tmp");
    fs::create_directories(maildir_ / "new");
    fs::create_directories(maildir_ / "cur");
    const int watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    EXPECT_GE(watch, 0);
    const fs::path watched = maildir_ / (kill.where == Where::Tmp ? "tmp" : "new");
    EXPECT_GE(inotify_add_watch(watch, watched.c_str(), IN_CREATE), 0);
    test_support::SpawnOptions options;
    options.output_file = dir_->path() / "deliver.out";
    auto child = test_support::ChildProcess::spawn(deliver_argv(), options);
    EXPECT_TRUE(child.ok()) << child.error().message;
    if (!child) return false;
    int created = 0;
    bool killed = false;
    const auto deadline = std::chrono::steady_clock::now() + kRunDeadline;
    while (!killed && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{watch, POLLIN, 0};
      // Also wakes every 100 ms to notice a run that ended before its kill point.
      if (::poll(&pfd, 1, 100) > 0) {
        alignas(inotify_event) char buffer[8192];
        const ssize_t n = ::read(watch, buffer, sizeof buffer);
        for (ssize_t at = 0; at < n;) {
          const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
          if ((event->mask & IN_CREATE) != 0 && ++created == kill.k) {
            killed = child->send_signal(SIGKILL).ok();
            break;
          }
          at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
      }
      if (!killed && ::waitpid(child->pid(), nullptr, WNOHANG) == child->pid()) break;
    }
    ::close(watch);
    auto status = child->wait(kRunDeadline);
    return killed && status.ok() && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
  }

  // A mail reader reads everything: new/ → cur/ with the "seen" flag.
  void reader_moves_new_to_cur() {
    for (const auto& entry : fs::directory_iterator(maildir_ / "new")) {
      fs::rename(entry.path(), maildir_ / "cur" / (entry.path().filename().string() + ":2,S"));
    }
  }

  std::optional<test_support::TempDir> dir_;
  std::string db_;
  fs::path maildir_;
  fs::path config_;
  std::map<std::string, std::string> raws_;  // uidl → raw
};

TEST_F(DeliveryCrashTest, KilledAnywhereEachMessageLandsExactlyOnce) {
  // Early, late and in the middle of staging and of publishing a run.
  const std::vector<Kill> kills = {{Where::New, 1},  {Where::Tmp, 3},  {Where::New, 40}, {Where::New, 64},
                                   {Where::Tmp, 65}, {Where::New, 65}, {Where::Tmp, 1},  {Where::New, 30},
                                   {Where::Tmp, 77}, {Where::New, 9},  {Where::Tmp, 20}};
  int landed = 0;
  for (std::size_t i = 0; i < kills.size(); ++i) {
    archive_more();
    if (run_and_kill(kills[i])) ++landed;
    if (i == kills.size() / 2) reader_moves_new_to_cur();
  }
  // The kills must have hit running deliveries, or the test shows nothing.
  EXPECT_GE(landed, static_cast<int>(kills.size()) - 1);

  auto last = integration::run_popfetchd({"-c", config_.string(), "deliver", "--account", "alice", "--all"},
                                         dir_->path());
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last->exit_code(), 0) << last->out << last->err;
  EXPECT_TRUE(integration::sanitizer_clean(last->err)) << last->err;

  // Every message exactly once over new/ and cur/, byte for byte (LF form).
  std::map<std::string, int> copies;
  std::map<std::string, std::string> bytes;
  for (const char* sub : {"new", "cur"}) {
    for (const auto& entry : fs::directory_iterator(maildir_ / sub)) {
      const std::string base = base_of(entry.path().filename().string());
      ++copies[base];
      bytes[base] = test_support::read_file(entry.path());
    }
  }
  EXPECT_EQ(copies.size(), raws_.size());
  for (const auto& [base, count] : copies) EXPECT_EQ(count, 1) << base << " is in the Maildir " << count << " times";
  std::multiset<std::string> expected;
  for (const auto& [uidl, raw] : raws_) expected.insert(deliver::crlf_to_lf(raw));
  std::multiset<std::string> found;
  for (const auto& [base, text] : bytes) found.insert(text);
  EXPECT_TRUE(found == expected) << "the Maildir's messages differ from the archive's";

  auto archive = store::Archive::open(db_);
  ASSERT_TRUE(archive.ok());
  store::DeliveryLog log(*archive);
  auto totals = log.totals();
  ASSERT_TRUE(totals.ok());
  ASSERT_EQ(totals->size(), 1u);
  EXPECT_EQ(totals->front().delivered, static_cast<std::int64_t>(raws_.size()));
  EXPECT_EQ(totals->front().pending, 0);
  std::printf("delivery crash test: %d of %zu kills landed mid-run; %zu distinct messages in the Maildir\n", landed,
              kills.size(), copies.size());
}

}  // namespace
