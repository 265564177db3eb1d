// `popfetchd run` end to end: the real binary as a child process against a
// real Dovecot (tests/support's DovecotServer), with its own notification
// socket as systemd would give it, and its health socket.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "daemon_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/files.hpp"
#include "support/sample_message.hpp"
#include "support/socket_util.hpp"
#include "support/temp_dir.hpp"

namespace popfetchd::daemon::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::DovecotServer;

// The daemon's own bound for SIGTERM is 15 s; the test allows a little more.
constexpr std::chrono::seconds kExitBound{20};

class DaemonRun : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = test_support::TempDir::create("popfetchd-run-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    auto notify = NotifySocket::bind(path("notify"));
    ASSERT_TRUE(notify.ok()) << notify.error().message;
    notify_.emplace(std::move(*notify));
    spec_.database = path("archive/popfetchd.db");  // the daemon creates the directory
    spec_.health_socket = path("health.sock");
  }

  void TearDown() override {
    if (daemon_ && daemon_->running()) (void)daemon_->stop(std::chrono::seconds(5));
    if (HasFailure()) {
      std::fprintf(stderr, "--- daemon log ---\n%s\n", test_support::read_file(log_file()).c_str());
      if (dir_) dir_->keep();
    }
  }

  std::string path(const std::string& name) const { return (dir_->path() / name).string(); }
  fs::path config_file() const { return dir_->path() / "popfetchd.yaml"; }
  fs::path log_file() const { return dir_->path() / "daemon.log"; }

  void start() {
    ASSERT_TRUE(write_config(config_file(), spec_).ok());
    auto child = start_daemon(config_file(), *notify_, log_file());
    ASSERT_TRUE(child.ok()) << child.error().message;
    daemon_.emplace(std::move(*child));
    ASSERT_TRUE(wait_until(*notify_, [&] { return notify_->count("READY=1") >= 1 || !daemon_->running(); }));
    ASSERT_TRUE(daemon_->running()) << "the daemon exited before READY=1";
  }

  // Waits for a condition on /health.
  bool health_until(const std::function<bool(const Health&)>& done) {
    return wait_until(*notify_, [&] {
      auto health = get_health(spec_.health_socket);
      return health && done(*health);
    });
  }

  // SIGTERM; the daemon must exit 0 within the bound.
  void stop_daemon() {
    ASSERT_EQ(::kill(daemon_->pid(), SIGTERM), 0);
    auto status = daemon_->wait(kExitBound);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << test_support::describe_wait_status(*status);
    notify_->wait(std::chrono::milliseconds(0));
    EXPECT_GE(notify_->count("STOPPING=1"), 1u);
  }

  std::map<std::string, std::int64_t> archived() const {
    std::map<std::string, std::int64_t> counts;
    for (const auto& [account, totals] : archive_totals(spec_.database)) counts[account] = totals.messages;
    return counts;
  }

  bool log_contains(const std::string& needle) const {
    return test_support::read_file(log_file()).find(needle) != std::string::npos;
  }

  std::optional<test_support::TempDir> dir_;
  std::optional<NotifySocket> notify_;
  std::optional<test_support::ChildProcess> daemon_;
  ConfigSpec spec_;
};

std::string message(int seed) { return test_support::make_message(seed, 2000, {}); }

TEST_F(DaemonRun, LifecycleWithPollRequestsReloadsAndSignals) {
  DovecotServer dovecot;
  for (const char* user : {"alice", "bob", "carol"})
    ASSERT_TRUE(dovecot.add_user(user, "pw-" + std::string(user)).ok());
  ASSERT_TRUE(dovecot.deliver("alice", message(1)).ok());
  ASSERT_TRUE(dovecot.deliver("alice", message(2)).ok());
  ASSERT_TRUE(dovecot.deliver("bob", message(3)).ok());
  ASSERT_TRUE(dovecot.deliver("carol", message(4)).ok());
  auto started = dovecot.start();
  ASSERT_TRUE(started.ok()) << started.error().message;

  // alice over POP3S with a verified certificate, bob over STARTTLS.
  spec_.accounts = {
      {"alice", dovecot.pop3s_port(), "tls", "", "pw-alice", dovecot.ca_file().string(), ""},
      {"bob", dovecot.pop3_port(), "starttls", "", "pw-bob", dovecot.ca_file().string(), ""},
  };
  start();

  // First polls right after start: everything is archived.
  ASSERT_TRUE(health_until([](const Health& h) { return h.stored("alice") == 2 && h.stored("bob") == 1; }));
  {
    auto health = get_health(spec_.health_socket);
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->body["status"], "ok");
    EXPECT_EQ((*health->account("alice"))["consecutive_failures"], 0);
    EXPECT_GT((*health->account("alice"))["last_success_at"].get<std::int64_t>(), 0);
  }
  EXPECT_EQ(run_command(config_file(), {"status"}, dir_->path() / "status.out"), 0)
      << test_support::read_file(dir_->path() / "status.out");

  // POST /poll/<account> fetches new mail now (the interval is an hour).
  ASSERT_TRUE(dovecot.deliver("alice", message(5)).ok());
  EXPECT_EQ(post_poll(spec_.health_socket, std::string("alice")), 202);
  EXPECT_EQ(post_poll(spec_.health_socket, std::string("nobody")), 404);
  ASSERT_TRUE(health_until([](const Health& h) { return h.stored("alice") == 3; }));

  // SIGHUP with an added account: it gets polled.
  spec_.accounts.push_back({"carol", dovecot.pop3_port(), "none", "", "pw-carol", "", ""});
  ASSERT_TRUE(write_config(config_file(), spec_).ok());
  const std::size_t ready_before = notify_->count("READY=1");
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  ASSERT_TRUE(health_until([](const Health& h) { return h.stored("carol") == 1; }));
  ASSERT_TRUE(wait_until(*notify_, [&] { return notify_->count("READY=1") > ready_before; }));
  EXPECT_GE(notify_->count("RELOADING=1"), 1u);

  // SIGHUP with an invalid config: rejected and logged; the old one keeps running.
  ASSERT_TRUE(test_support::replace_file(config_file(),
                                         "database: x\naccounts:\n  - name: bad\n    bogus_key: 1\n", 0600)
                  .ok());
  const std::size_t reloads_before = notify_->count("RELOADING=1");
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  // RELOADING=1 goes out before the log line; wait for both.
  ASSERT_TRUE(wait_until(*notify_, [&] {
    return log_contains("reload rejected") && notify_->count("RELOADING=1") > reloads_before;
  }));
  EXPECT_TRUE(log_contains("bogus_key"));
  EXPECT_TRUE(daemon_->running());
  {
    auto health = get_health(spec_.health_socket);
    ASSERT_TRUE(health);
    EXPECT_NE(health->account("alice"), nullptr);
    EXPECT_NE(health->account("carol"), nullptr);
    EXPECT_EQ(health->account("bad"), nullptr);
  }

  // SIGUSR1 polls every account.
  ASSERT_TRUE(dovecot.deliver("bob", message(6)).ok());
  ASSERT_TRUE(dovecot.deliver("carol", message(7)).ok());
  ASSERT_EQ(::kill(daemon_->pid(), SIGUSR1), 0);
  ASSERT_TRUE(health_until([](const Health& h) { return h.stored("bob") == 2 && h.stored("carol") == 2; }));

  stop_daemon();
  EXPECT_GE(notify_->count("RELOADING=1"), 2u);
  EXPECT_FALSE(fs::exists(spec_.health_socket));
  const auto counts = archived();
  EXPECT_EQ(counts.at("alice"), 3);
  EXPECT_EQ(counts.at("bob"), 2);
  EXPECT_EQ(counts.at("carol"), 2);
  // Every log line about an account names it; no password is ever logged.
  const std::string log = test_support::read_file(log_file());
  EXPECT_EQ(log.find("pw-alice"), std::string::npos);
  EXPECT_NE(log.find("[carol] security none"), std::string::npos);
}

TEST_F(DaemonRun, AnAccountWhoseServerIsDownBacksOffWhileTheOtherStaysHealthy) {
  DovecotServer dovecot;
  ASSERT_TRUE(dovecot.add_user("alice", "pw-alice").ok());
  ASSERT_TRUE(dovecot.deliver("alice", message(1)).ok());
  ASSERT_TRUE(dovecot.start(test_support::DovecotOptions::without_ssl()).ok());
  auto closed_port = test_support::find_free_port();  // nothing listens there
  ASSERT_TRUE(closed_port.ok());

  spec_.accounts = {
      {"alice", dovecot.pop3_port(), "none", "", "pw-alice", "", ""},
      {"down", *closed_port, "none", "", "pw", "", ""},
      {"wrongpw", dovecot.pop3_port(), "none", "alice", "not-the-password", "", ""},
  };
  start();
  ASSERT_TRUE(health_until([](const Health& h) {
    const auto* down = h.account("down");
    const auto* wrong = h.account("wrongpw");
    return h.stored("alice") == 1 && down != nullptr && (*down)["consecutive_failures"].get<int>() >= 1 &&
           wrong != nullptr && (*wrong)["consecutive_failures"].get<int>() >= 1;
  }));
  auto health = get_health(spec_.health_socket);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body["status"], "degraded");
  const auto& down = *health->account("down");
  EXPECT_EQ(down["state"], "backoff");
  EXPECT_NE(down["last_error"].get<std::string>().find("refused"), std::string::npos) << down.dump();
  EXPECT_EQ(down["auth_failure"], false);
  const auto& wrong = *health->account("wrongpw");
  EXPECT_EQ(wrong["auth_failure"], true);
  EXPECT_EQ(wrong["state"], "backoff");
  // Held for hours, not retried at the interval.
  EXPECT_GT(wrong["next_poll_at"].get<std::int64_t>() - health->body["now"].get<std::int64_t>(), 5 * 3600);
  const auto& alice = *health->account("alice");
  EXPECT_EQ(alice["consecutive_failures"], 0);
  EXPECT_EQ(alice["state"], "idle");
  EXPECT_EQ(run_command(config_file(), {"status"}, dir_->path() / "status.out"), 1);  // degraded

  stop_daemon();
}

TEST_F(DaemonRun, StopDuringALargeFetchThenARestartCompletesIt) {
  // Big enough that the archive commits in several batches (500 messages
  // each), so SIGTERM usually lands between two of them.
  constexpr int kMessages = 1200;
  DovecotServer dovecot;
  ASSERT_TRUE(dovecot.add_user("big", "pw-big").ok());
  std::size_t expected_bytes = 0;
  for (int i = 0; i < kMessages; ++i) {
    auto delivered = dovecot.deliver("big", test_support::make_message(1000 + i, 8'000, {}));
    ASSERT_TRUE(delivered.ok());
    expected_bytes += delivered->expected_pop3.size();
  }
  ASSERT_TRUE(dovecot.start(test_support::DovecotOptions::without_ssl()).ok());
  spec_.accounts = {{"big", dovecot.pop3_port(), "none", "", "pw-big", "", "    keep: false\n"}};
  start();

  // Stop as soon as something is committed (read-only look at the archive).
  bool partial = false;
  ASSERT_TRUE(wait_until(*notify_, [&] {
    if (!fs::exists(spec_.database)) return false;
    const auto counts = archived();
    const std::int64_t stored = counts.count("big") ? counts.at("big") : 0;
    partial = stored > 0 && stored < kMessages;
    return stored > 0;
  }));
  stop_daemon();
  const std::int64_t after_stop = archived()["big"];
  std::printf("SIGTERM %s: %lld of %d messages archived at exit\n",
              partial ? "during the fetch" : "after the fetch", static_cast<long long>(after_stop),
              kMessages);
  // Whatever was stored is whole and the server deleted only those.
  auto left = dovecot.mailbox_size("big");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(static_cast<std::int64_t>(*left) + after_stop, kMessages);

  // A restart fetches the rest: nothing lost, nothing twice.
  notify_.reset();
  auto notify = NotifySocket::bind(path("notify"));
  ASSERT_TRUE(notify.ok());
  notify_.emplace(std::move(*notify));
  start();
  ASSERT_TRUE(health_until([&](const Health& h) { return h.stored("big") == kMessages; }));
  stop_daemon();
  const auto totals = archive_totals(spec_.database);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals.at("big").messages, kMessages);
  EXPECT_EQ(static_cast<std::size_t>(totals.at("big").bytes), expected_bytes);
  auto remaining = dovecot.mailbox_size("big");
  ASSERT_TRUE(remaining.ok());
  EXPECT_EQ(*remaining, 0u);
}

}  // namespace
}  // namespace popfetchd::daemon::e2e

namespace popfetchd::daemon::e2e {
namespace {

// The delivery target of `account` named `key` in /health, or null.
const nlohmann::json* target_of(const Health& health, const std::string& account, const std::string& key) {
  const nlohmann::json* entry = health.account(account);
  if (entry == nullptr || !entry->contains("deliveries")) return nullptr;
  for (const auto& target : (*entry)["deliveries"]) {
    if (target["target"] == key) return &target;
  }
  return nullptr;
}

TEST_F(DaemonRun, DeliversNewMailOnceAndRetriesAFailedTargetAfterAReload) {
  DovecotServer dovecot;
  ASSERT_TRUE(dovecot.add_user("alice", "pw-alice").ok());
  ASSERT_TRUE(dovecot.deliver("alice", message(11)).ok());
  ASSERT_TRUE(dovecot.deliver("alice", message(12)).ok());
  auto started = dovecot.start(DovecotServer::Options::without_ssl());
  ASSERT_TRUE(started.ok()) << started.error().message;

  const std::string maildir = path("Maildir");
  const std::string mda = path("mda.sh");
  const std::string mda_out = path("mda.out");
  // An MDA that refuses everything for good (exit 1) until it is fixed.
  ASSERT_TRUE(test_support::write_file(mda, "#!/bin/sh\necho 'no such mailbox' >&2\nexit 1\n", 0755).ok());
  spec_.accounts = {{"alice", dovecot.pop3_port(), "none", "", "pw-alice", "",
                     "    deliver:\n      - maildir: " + maildir + "\n      - mda: [" + mda + "]\n"}};
  start();
  const std::string maildir_key = "maildir:" + maildir;
  const std::string mda_key = "mda:" + mda;

  ASSERT_TRUE(health_until([&](const Health& h) {
    const auto* m = target_of(h, "alice", maildir_key);
    const auto* p = target_of(h, "alice", mda_key);
    return m != nullptr && (*m)["delivered"] == 2 && p != nullptr && (*p)["failed"] == 2;
  }));
  {
    auto health = get_health(spec_.health_socket);
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 503) << "a failing target makes the daemon degraded";
    const auto* failing = target_of(*health, "alice", mda_key);
    ASSERT_NE(failing, nullptr);
    EXPECT_EQ((*failing)["failing"], true);
    EXPECT_EQ((*failing)["last_error"], "exit 1: no such mailbox");
  }
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(maildir + "/new")) files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 2u);

  // The user fixes the MDA and reloads: the failed messages go again, once.
  ASSERT_TRUE(test_support::write_file(mda, "#!/bin/sh\n{ cat; echo '--end--'; } >> '" + mda_out + "'\n", 0755).ok());
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  ASSERT_TRUE(health_until([&](const Health& h) {
    const auto* p = target_of(h, "alice", mda_key);
    return p != nullptr && (*p)["delivered"] == 2 && (*p)["failed"] == 0;
  }));
  const std::string delivered = test_support::read_file(mda_out);
  std::size_t ends = 0;
  for (std::size_t at = 0; (at = delivered.find("--end--\n", at)) != std::string::npos; at += 8) ++ends;
  EXPECT_EQ(ends, 2u);
  auto health = get_health(spec_.health_socket);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  stop_daemon();
}

}  // namespace
}  // namespace popfetchd::daemon::e2e
