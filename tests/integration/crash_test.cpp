// Issue 4's crash test: the real `popfetchd poll-once` moves 1,000 messages
// out of a Dovecot mailbox (keep: false) and is killed with SIGKILL again and
// again at pseudo-random moments of the fetch, once exactly between a commit
// and its DELEs (the POPFETCHD_TEST_CRASH_AFTER_COMMIT hook of
// fetch::AccountPoll). Then a last run goes to completion. Nothing may be
// lost and nothing stored twice: the server ends empty and the archive holds
// each original message exactly once, byte-exact.
//
// Where the kills land: popfetchd runs at log_level debug, so it logs every
// command it sends ("> RETR 17", "> DELE 17"). The test reads its stderr
// through a pipe and sends SIGKILL right after the k-th command line, with k
// drawn from a fixed seed over the commands that run still has to send before
// QUIT. The kill is the experiment, not a synchronisation: wherever it lands
// (mid-RETR, mid-commit, between DELEs), the invariants must hold.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "fetch/account_poll.hpp"
#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "integration/popfetchd_cli.hpp"
#include "integration/server_suite.hpp"
#include "store/archive.hpp"
#include "support/child_process.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::size_t kMessages = 1000;
constexpr int kRandomKills = 24;
constexpr int kKillsWhileRetrieving = 16;
constexpr std::uint64_t kSeed = 0x5eed'c0de'2026ULL;
// Bounds a run that hangs (a bug); a healthy run takes a few seconds.
constexpr auto kRunDeadline = std::chrono::seconds(120);
// The stderr pipe's size: popfetchd can be this far ahead of the reader.
constexpr int kPipeBytes = 4096;
// Kill targets stay this many commands short of the run's last one, so the
// kill lands before QUIT even though popfetchd may have written up to a pipe
// full of log lines (~90) that the test has not read yet.
constexpr std::size_t kMarginBeforeQuit = 200;

// What a kill waits for: the k-th logged command of one kind.
enum class KillAfter { Retr, Dele, AnyCommand };

const char* name_of(KillAfter kind) {
  switch (kind) {
    case KillAfter::Retr:
      return "RETR";
    case KillAfter::Dele:
      return "DELE";
    case KillAfter::AnyCommand:
      return "command";
  }
  return "?";
}

struct KilledRun {
  bool killed = false;      // false: the run ended by itself before its kill point
  int status = 0;           // wait status
  std::size_t matched = 0;  // matching command lines seen
  std::string log;          // everything read from stderr
};

bool matches(const std::string& line, KillAfter kind) {
  switch (kind) {
    case KillAfter::Retr:
      return line.find("] > RETR") != std::string::npos;
    case KillAfter::Dele:
      return line.find("] > DELE") != std::string::npos;
    case KillAfter::AnyCommand:
      return line.find("] > ") != std::string::npos;
  }
  return false;
}

// Starts poll-once with stderr on a pipe, and sends SIGKILL right after the
// k-th line that logs a command of `kind` (k = 0: after its first line of any kind).
KilledRun run_and_kill_after(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                             KillAfter kind, std::size_t k) {
  KilledRun result;
  test_support::SpawnOptions options;
  options.output_file = dir / "crash-run.out";
  options.pipe_stderr = true;
  auto child = test_support::ChildProcess::spawn(argv, options);
  EXPECT_TRUE(child.ok()) << child.error().message;
  if (!child) return result;
  // The smallest pipe (one page, ~90 log lines): popfetchd blocks on its log
  // instead of running up to 64 KiB (~1,400 lines) ahead of what was read,
  // so the kill lands close to the line that triggered it.
  (void)::fcntl(child->stderr_fd(), F_SETPIPE_SZ, kPipeBytes);

  const auto deadline = std::chrono::steady_clock::now() + kRunDeadline;
  std::string pending;
  bool eof = false;
  while (!result.killed && !eof) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ADD_FAILURE() << "poll-once did not reach its kill point in time; log:\n" << result.log;
      break;
    }
    pollfd pfd{child->stderr_fd(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;  // EINTR or the deadline: checked above
    char buffer[4096];
    const ssize_t n = ::read(child->stderr_fd(), buffer, sizeof buffer);
    if (n <= 0) {
      eof = n == 0 || errno != EINTR;
      continue;
    }
    result.log.append(buffer, static_cast<std::size_t>(n));
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; !result.killed && (end = pending.find('\n')) != std::string::npos;) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (matches(line, kind)) ++result.matched;
      if ((k == 0 || result.matched == k) && child->send_signal(SIGKILL).ok()) result.killed = true;
    }
  }
  auto status = child->wait(kRunDeadline);
  EXPECT_TRUE(status.ok()) << status.error().message;
  if (status) result.status = *status;
  if (result.killed && !(WIFSIGNALED(result.status) && WTERMSIG(result.status) == SIGKILL)) {
    result.killed = false;  // it had exited on its own just before the signal
  }
  return result;
}

class CrashTest : public integration::DovecotSuite<CrashTest> {
 public:
  static test_support::DovecotOptions options() { return test_support::DovecotOptions::without_ssl(); }
};

// Nothing lost, nothing twice: every message is on the server or in the
// archive (or both), each archived one byte-exact and stored once.
void expect_invariants(test_support::DovecotServer& server, const integration::Mailbox& mailbox,
                       const std::string& db) {
  auto rows = integration::archived_messages(db, mailbox.user);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::set<std::size_t> archived;
  for (const auto& [uidl, row] : *rows) {
    if (auto index = integration::delivery_index(uidl)) archived.insert(*index);
  }
  EXPECT_TRUE(integration::archive_holds(db, mailbox.user, mailbox, archived));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(db, static_cast<std::int64_t>(rows->size())));
  auto on_server = integration::server_uidls(server, mailbox);
  ASSERT_TRUE(on_server.ok()) << on_server.error().message;
  std::set<std::size_t> present = integration::indexes_of(*on_server);
  present.insert(archived.begin(), archived.end());
  EXPECT_EQ(present, integration::all_of(mailbox)) << "a message is neither on the server nor in the archive";
}

// The message numbers of the `command`s ("RETR", "DELE") popfetchd logged sending.
std::set<std::size_t> numbers_sent(const std::string& log, const std::string& command) {
  std::set<std::size_t> numbers;
  const std::regex pattern("\\] > " + command + " ([0-9]+)$");
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    std::smatch match;
    if (std::regex_search(line, match, pattern)) numbers.insert(std::stoul(match[1].str()));
    start = end + 1;
  }
  return numbers;
}

// The UIDLs archived for `user` right now.
std::set<std::string> archived_uidls(const std::string& db, const std::string& user) {
  std::set<std::string> uidls;
  auto rows = integration::archived_messages(db, user);
  EXPECT_TRUE(rows.ok()) << rows.error().message;
  if (rows) {
    for (const auto& [uidl, row] : *rows) uidls.insert(uidl);
  }
  return uidls;
}

TEST_F(CrashTest, KilledAnywhereNothingIsLostOrStoredTwice) {
  test_support::DovecotServer& server = suite_.server();
  auto mailbox = integration::create_mailbox(server, "crash", "pw-crash-1k",
                                             integration::plain_messages(10'000, kMessages, 700));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const std::string db = suite_.database("crash");
  integration::ConfigAccount account;
  account.name = "crash";
  account.port = server.pop3_port();
  account.password = mailbox->password;
  account.keep = false;
  const auto config = suite_.work_dir() / "crash.yaml";
  ASSERT_TRUE(integration::write_config(config, db, {account}, "debug").ok());
  const std::vector<std::string> argv = {integration::popfetchd_binary(), "poll-once", "-c", config.string()};
  // An empty archive from the start, so that the probes can read it even if
  // the first kill lands before popfetchd created it.
  ASSERT_TRUE(store::Archive::open(db).ok());

  std::mt19937_64 random(kSeed);
  int kills = 0;
  int runs = 0;
  // `count` runs, each SIGKILLed after the k-th command of a kind drawn with
  // `weights` (Retr, Dele, AnyCommand), k uniform over what that run will send.
  auto random_kills = [&](int count, std::vector<double> weights) {
    std::discrete_distribution<int> pick_kind(weights.begin(), weights.end());
    for (int done = 0; done < count;) {
      ASSERT_LT(runs, 3 * kRandomKills) << "too many runs ended before their kill point";
      ++runs;
      auto stored = integration::row_counts(db);
      ASSERT_TRUE(stored.ok());
      // The run will RETR what is not stored yet and DELE everything.
      const std::size_t unstored = kMessages - static_cast<std::size_t>(stored->rows);
      KillAfter kind = static_cast<KillAfter>(pick_kind(random));
      if (kind == KillAfter::Retr && unstored == 0) kind = KillAfter::Dele;
      const std::size_t last = kind == KillAfter::Retr   ? unstored
                               : kind == KillAfter::Dele ? kMessages - kMarginBeforeQuit
                                                         : unstored + kMessages - kMarginBeforeQuit;
      const std::size_t k = std::uniform_int_distribution<std::size_t>(0, last)(random);
      SCOPED_TRACE("run " + std::to_string(runs) + ": kill after " + name_of(kind) + " " + std::to_string(k) +
                   " (" + std::to_string(unstored) + " not stored yet)");
      KilledRun run = run_and_kill_after(argv, suite_.work_dir(), kind, k);
      EXPECT_TRUE(integration::sanitizer_clean(run.log)) << run.log;
      if (run.killed) {
        ++done;
        ++kills;
      } else {
        // Ended before its kill point: then it must have finished cleanly.
        EXPECT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0)
            << test_support::describe_wait_status(run.status) << "\n"
            << run.log;
      }
      expect_invariants(server, *mailbox, db);
      if (HasFailure()) return;
      ASSERT_NE(*server.mailbox_size(mailbox->user), 0U) << "a run got through QUIT before enough kills";
    }
  };

  // 1. While messages are being retrieved (and the first batch committed).
  random_kills(kKillsWhileRetrieving, {1, 0, 0});
  if (HasFailure()) return;

  // 2. Exactly between a commit and its DELEs: the hook kills the process
  // right after this run's first commit.
  {
    const std::set<std::string> before = archived_uidls(db, mailbox->user);
    auto run = integration::run_popfetchd({"poll-once", "-c", config.string()}, suite_.work_dir(),
                                          {std::string(fetch::kCrashAfterCommitVariable) + "=1"});
    ASSERT_TRUE(run.ok()) << run.error().message;
    ++runs;
    EXPECT_TRUE(integration::sanitizer_clean(run->err)) << run->err;
    ASSERT_TRUE(WIFSIGNALED(run->status) && WTERMSIG(run->status) == SIGKILL)
        << "the hook did not fire: " << test_support::describe_wait_status(run->status) << "\n"
        << run->err;
    const std::set<std::string> after = archived_uidls(db, mailbox->user);
    ASSERT_GT(after.size(), before.size()) << "the commit before the kill stored nothing";
    // No DELE went out for a message of that commit. Nothing was expunged
    // (no QUIT so far), so a message's number is still its UID.
    const std::set<std::size_t> deleted = numbers_sent(run->err, "DELE");
    EXPECT_FALSE(numbers_sent(run->err, "RETR").empty()) << "no RETR logged: has the log format changed?\n"
                                                         << run->err;
    for (const auto& uidl : after) {
      if (before.count(uidl) != 0) continue;
      const std::size_t msgno = *integration::delivery_index(uidl) + 1;
      EXPECT_EQ(deleted.count(msgno), 0U)
          << "DELE " << msgno << " went out before the kill, after its commit";
    }
    EXPECT_EQ(*server.mailbox_size(mailbox->user), kMessages);
    expect_invariants(server, *mailbox, db);
    if (HasFailure()) return;
  }

  // 3. Anywhere: among the DELEs, or at any command.
  random_kills(kRandomKills - kKillsWhileRetrieving, {1, 2, 2});
  if (HasFailure()) return;
  RecordProperty("kills", kills);
  RecordProperty("runs", runs);
  EXPECT_GE(kills, 20);

  // 4. A run to completion.
  auto last = integration::run_popfetchd({"poll-once", "-c", config.string()}, suite_.work_dir());
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last->exit_code(), 0) << last->out << last->err;
  EXPECT_TRUE(integration::sanitizer_clean(last->err)) << last->err;
  EXPECT_THAT(last->out, HasSubstr("crash: "));
  EXPECT_EQ(*server.mailbox_size(mailbox->user), 0U) << "the server mailbox is not empty";
  EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
  EXPECT_TRUE(integration::rows_are_distinct_and_number(db, static_cast<std::int64_t>(kMessages)));
}

}  // namespace
