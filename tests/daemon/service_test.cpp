// Service: the daemon's wiring on a real loop, with fake polls, an in-memory
// archive, a scripted config loader and a real notification socket
// (NOTIFY_SOCKET) — signals are raised for real and arrive through libuv.
// The end-to-end version against Dovecot is tests/integration/daemon_run_test.cpp.

#include "daemon/service.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "fake_poll.hpp"
#include "health/socket_test_support.hpp"
#include "net/uv.hpp"

namespace popfetchd::daemon {
namespace {

namespace fs = std::filesystem;
using test_support::FakePolls;
using test_support::run_until;

class NoDigests final : public pop3::Digests {
 public:
  pop3::Md5Digest md5(std::string_view) const override { return {}; }
  pop3::Md5Digest hmac_md5(std::string_view, std::string_view) const override { return {}; }
};

config::Account account(const std::string& name) {
  config::Account a;
  a.name = name;
  a.server = "127.0.0.1";
  a.username = name;
  a.password.kind = config::PasswordSource::Kind::Literal;
  a.password.value = "pw";
  a.poll_interval = std::chrono::seconds(100'000);
  return a;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto archive = store::Archive::open(":memory:");
    ASSERT_TRUE(archive.ok()) << archive.error().message;
    archive_.emplace(std::move(*archive));
    polls_ = std::make_unique<FakePolls>(&loop_);

    // Our own notification socket, as systemd would offer it.
    notify_path_ = (dir_.path() / "notify").string();
    notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    auto address = health::unix_socket_address(notify_path_);
    ASSERT_TRUE(address.ok());
    ASSERT_EQ(::bind(notify_fd_, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)), 0);
    ::setenv("NOTIFY_SOCKET", notify_path_.c_str(), 1);
    ::unsetenv("WATCHDOG_USEC");

    common::set_log_sink([this](std::string_view line) { log_.emplace_back(line); });

    config_.path = (dir_.path() / "popfetchd.yaml").string();
    config_.database = ":memory:";
    config_.health_socket = (dir_.path() / "health.sock").string();
    config_.accounts = {account("a"), account("b")};
  }

  void TearDown() override {
    service_.reset();
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
    common::set_log_sink({});
    common::set_log_level(common::LogLevel::Info);
    ::unsetenv("NOTIFY_SOCKET");
    if (notify_fd_ >= 0) ::close(notify_fd_);
  }

  void make() {
    ServiceOptions options;
    options.tuning.time_scale = 0.001;
    options.tuning.seed = 7;
    options.shutdown_grace = Millis{200};
    options.resolve_password = [](const config::PasswordSource& source) -> common::Result<common::Secret> {
      return common::Secret(source.value);
    };
    options.load_config = [this](const std::string& path) {
      EXPECT_EQ(path, config_.path);
      return next_load_;
    };
    options.poll_factory = [this](uv_loop_t*, fetch::ArchiveWriter&, const pop3::Digests&) {
      return polls_->factory();
    };
    service_ = std::make_unique<Service>(&loop_, config_, *archive_, digests_, std::move(options));
  }

  // Every notification received so far, in order.
  const std::vector<std::string>& notifications() {
    char buffer[4096];
    for (;;) {
      const ssize_t got = ::recv(notify_fd_, buffer, sizeof buffer, 0);
      if (got < 0) break;
      notes_.emplace_back(buffer, static_cast<std::size_t>(got));
    }
    return notes_;
  }
  bool notified(const std::string& text) {
    for (const std::string& note : notifications()) {
      if (note == text) return true;
    }
    return false;
  }
  std::size_t count(const std::string& text) {
    std::size_t n = 0;
    for (const std::string& note : notifications()) n += note == text ? 1 : 0;
    return n;
  }
  bool logged(const std::string& needle) const {
    for (const std::string& line : log_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  const health::AccountHealth* health(const std::string& name) {
    snapshot_ = service_->snapshot();
    for (const health::AccountHealth& h : snapshot_.accounts) {
      if (h.name == name) return &h;
    }
    return nullptr;
  }
  bool until(const std::function<bool()>& done) { return run_until(&loop_, done); }

  health::test_support::TempDir dir_;
  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  std::optional<store::Archive> archive_;
  NoDigests digests_;
  std::unique_ptr<FakePolls> polls_;
  std::unique_ptr<Service> service_;
  config::Config config_;
  config::LoadResult next_load_;
  std::string notify_path_;
  int notify_fd_ = -1;
  std::vector<std::string> notes_;
  std::vector<std::string> log_;
  health::HealthSnapshot snapshot_;
};

TEST_F(ServiceTest, ReadyPollsStatusAndACleanShutdownThatEndsTheLoop) {
  make();
  ASSERT_TRUE(service_->start().ok());
  EXPECT_TRUE(fs::exists(config_.health_socket));
  EXPECT_FALSE(notified("READY=1"));  // only once the loop runs
  ASSERT_TRUE(until([&] { return notified("READY=1"); }));
  ASSERT_TRUE(until([&] { return health("a")->polls_total == 1 && health("b")->polls_total == 1; }));
  ASSERT_TRUE(until([&] { return notified("STATUS=2 accounts, 2 ok, 0 failing; 0 messages stored"); }));
  EXPECT_EQ(snapshot_.version, service_->snapshot().version);
  EXPECT_FALSE(snapshot_.version.empty());

  ::raise(SIGUSR1);
  ASSERT_TRUE(until([&] { return polls_->starts_of("a") == 2 && polls_->starts_of("b") == 2; }));

  ::raise(SIGTERM);
  ASSERT_TRUE(until([&] { return service_->stopped(); }));
  EXPECT_TRUE(notified("STOPPING=1"));
  EXPECT_FALSE(fs::exists(config_.health_socket));  // removed on the way out
  // Every handle is closed: the loop has nothing left to do.
  ASSERT_TRUE(until([&] { return !uv_loop_alive(&loop_); }));
}

TEST_F(ServiceTest, HealthStartsFromTheArchiveTotals) {
  {
    auto batch = archive_->begin_batch();
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE(batch->add_message("a", "uidl-1", "Subject: x\r\n\r\nbody\r\n", 1).ok());
    ASSERT_TRUE(batch->add_message("a", "uidl-2", "Subject: y\r\n\r\nbody\r\n", 1).ok());
    ASSERT_TRUE(batch->commit().ok());
  }
  make();
  ASSERT_TRUE(service_->start().ok());
  EXPECT_EQ(health("a")->messages_stored, 2u);
  EXPECT_GT(health("a")->bytes_stored, 0u);
  EXPECT_EQ(health("b")->messages_stored, 0u);
}

TEST_F(ServiceTest, InvalidReloadKeepsTheRunningConfig) {
  make();
  ASSERT_TRUE(service_->start().ok());
  ASSERT_TRUE(until([&] { return notified("READY=1"); }));
  next_load_.errors.push_back(
      config::Diagnostic{config::Location{config_.path, 7, 3}, "unknown key 'acounts'"});
  ::raise(SIGHUP);
  ASSERT_TRUE(until([&] { return count("READY=1") == 2; }));
  EXPECT_TRUE(notified("RELOADING=1"));
  EXPECT_TRUE(logged("reload rejected"));
  EXPECT_TRUE(logged(config_.path + ":7:3: unknown key 'acounts'"));
  EXPECT_EQ(service_->config().accounts.size(), 2u);
  EXPECT_NE(health("a"), nullptr);
  EXPECT_TRUE(fs::exists(config_.health_socket));
}

// Issue 16: systemd reported such a reload as a success and nothing said the
// running config was stale. Now the snapshot, /health and /metrics say so
// until a reload succeeds.
TEST_F(ServiceTest, ARejectedReloadIsVisibleUntilAReloadSucceeds) {
  make();
  ASSERT_TRUE(service_->start().ok());
  health::HealthSnapshot before = service_->snapshot();
  EXPECT_TRUE(before.config_last_reload_successful);
  EXPECT_EQ(before.config_last_reload_timestamp_seconds, 0);
  EXPECT_GT(before.config_last_reload_success_timestamp_seconds, 0);  // the start counts as a load

  next_load_.errors.push_back(
      config::Diagnostic{config::Location{config_.path, 7, 3}, "unknown key 'acounts'"});
  next_load_.errors.push_back(config::Diagnostic{config::Location{config_.path, 9, 1}, "second error"});
  service_->reload();
  const health::HealthSnapshot stale = service_->snapshot();
  EXPECT_FALSE(stale.config_last_reload_successful);
  EXPECT_GE(stale.config_last_reload_timestamp_seconds, before.config_last_reload_success_timestamp_seconds);
  EXPECT_EQ(stale.config_last_reload_success_timestamp_seconds,
            before.config_last_reload_success_timestamp_seconds);
  ASSERT_TRUE(stale.config_error.has_value());
  EXPECT_EQ(*stale.config_error, config_.path + ":7:3: unknown key 'acounts'");
  EXPECT_FALSE(stale.healthy());

  const auto body = nlohmann::json::parse(health::render_health_json(stale));
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_EQ(body["config_stale"], true);
  EXPECT_EQ(body["config_error"], config_.path + ":7:3: unknown key 'acounts'");
  const std::string metrics = health::render_metrics(stale);
  EXPECT_NE(metrics.find("\npopfetchd_config_last_reload_successful 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\npopfetchd_config_last_reload_success_timestamp_seconds " +
                         std::to_string(before.config_last_reload_success_timestamp_seconds) + "\n"),
            std::string::npos);
  bool status_says_so = false;
  for (const std::string& note : notifications()) {
    status_says_so = status_says_so || (note.starts_with("STATUS=") && note.ends_with("config reload rejected, "
                                                                                      "running the previous one"));
  }
  EXPECT_TRUE(status_says_so);

  next_load_ = {};
  next_load_.config = config_;
  service_->reload();
  const health::HealthSnapshot fixed = service_->snapshot();
  EXPECT_TRUE(fixed.config_last_reload_successful);
  EXPECT_FALSE(fixed.config_error.has_value());
  EXPECT_EQ(fixed.config_last_reload_success_timestamp_seconds, fixed.config_last_reload_timestamp_seconds);
  EXPECT_EQ(nlohmann::json::parse(health::render_health_json(fixed))["config_stale"], false);
}

TEST_F(ServiceTest, ReloadAppliesAccountsSocketAndLogLevelButNotTheDatabase) {
  make();
  ASSERT_TRUE(service_->start().ok());
  ASSERT_TRUE(until([&] { return notified("READY=1") && health("a")->polls_total == 1; }));

  config::Config next = config_;
  next.database = (dir_.path() / "elsewhere.db").string();
  next.health_socket = (dir_.path() / "health2.sock").string();
  next.log_level = common::LogLevel::Debug;
  next.max_concurrent_polls = 1;
  next.max_polls_per_server = 2;
  next.accounts = {account("b"), account("c")};
  next_load_.config = next;
  service_->reload();

  EXPECT_EQ(service_->config().database, config_.database);  // refused: needs a restart
  EXPECT_TRUE(logged("needs a restart"));
  EXPECT_EQ(common::log_level(), common::LogLevel::Debug);
  EXPECT_TRUE(logged("reload: at most 2 polls per server"));
  EXPECT_EQ(service_->config().health_socket, next.health_socket);
  EXPECT_TRUE(fs::exists(next.health_socket));
  EXPECT_FALSE(fs::exists(config_.health_socket));
  ASSERT_TRUE(until([&] { return health("c") != nullptr && health("c")->polls_total == 1; }));
  EXPECT_EQ(health("a"), nullptr);
  EXPECT_EQ(polls_->starts_for("c")[0].options.database_path, config_.database);
  EXPECT_TRUE(notified("RELOADING=1"));
  EXPECT_EQ(count("READY=1"), 2u);
}

TEST_F(ServiceTest, ShutdownWaitsForRunningPollsWithinTheBound) {
  polls_->hold("a", /*honour_stop=*/false);  // a poll that never finishes
  make();
  ASSERT_TRUE(service_->start().ok());
  ASSERT_TRUE(until([&] { return polls_->is_running("a"); }));
  service_->shutdown();
  EXPECT_FALSE(service_->stopped());
  // The grace period (200 ms here) ends it.
  ASSERT_TRUE(until([&] { return service_->stopped(); }));
  EXPECT_TRUE(logged("polls still running after"));
  EXPECT_EQ(polls_->running(), 0u);
  ASSERT_TRUE(until([&] { return !uv_loop_alive(&loop_); }));
}

TEST_F(ServiceTest, ASecondStopSignalClosesPollsAtOnce) {
  polls_->hold("a", /*honour_stop=*/false);
  make();
  ASSERT_TRUE(service_->start().ok());
  ASSERT_TRUE(until([&] { return polls_->is_running("a"); }));
  service_->shutdown();
  service_->shutdown();
  EXPECT_TRUE(service_->stopped());
  EXPECT_TRUE(logged("second stop signal"));
}

// Issue 16: /health shows how far a running poll is (messages, bytes, rate,
// time left), and nothing once it ended. The fake poll stands mid-way with
// the progress the real one shares through its options.
TEST_F(ServiceTest, HealthShowsTheProgressOfARunningPoll) {
  polls_->hold("a");
  make();
  ASSERT_TRUE(service_->start().ok());
  ASSERT_TRUE(until([&] { return polls_->is_running("a"); }));
  const std::shared_ptr<fetch::PollProgress> progress = polls_->starts_for("a").front().options.progress;
  ASSERT_NE(progress, nullptr);
  // Connected, still listing: no figures yet.
  EXPECT_FALSE(health("a")->progress.has_value());
  const auto listing = nlohmann::json::parse(health::render_health_json(snapshot_));
  EXPECT_TRUE(listing["accounts"][0]["progress"].is_null());

  const std::uint64_t planned_at = uv_now(&loop_) - 4'000;  // the listing ended 4 s ago
  progress->planned(4, 4'000'000, planned_at);
  progress->message_done(1'000'000);
  ASSERT_NE(health("a"), nullptr);
  ASSERT_TRUE(health("a")->progress.has_value());
  const auto body = nlohmann::json::parse(health::render_health_json(snapshot_));
  const auto& shown = body["accounts"][0]["progress"];
  EXPECT_EQ(shown["messages_done"], 1);
  EXPECT_EQ(shown["messages_total"], 4);
  EXPECT_EQ(shown["bytes_done"], 1'000'000);
  EXPECT_EQ(shown["bytes_total"], 4'000'000);
  // 1 MB in at least 4 s (the loop's clock may have moved on a little).
  EXPECT_GT(shown["bytes_per_second"].get<std::uint64_t>(), 0u);
  EXPECT_LE(shown["bytes_per_second"].get<std::uint64_t>(), 250'000u);
  EXPECT_GE(shown["eta_seconds"].get<std::uint64_t>(), 12u);
  EXPECT_TRUE(body["accounts"][1]["progress"].is_null());  // b is not polling

  ASSERT_TRUE(polls_->finish("a", FakePolls::ok_report("a", 4)));
  ASSERT_TRUE(until([&] { return health("a")->polls_total == 1; }));
  EXPECT_FALSE(health("a")->progress.has_value());
}

TEST_F(ServiceTest, HealthSocketInUseFailsTheStart) {
  const int live = health::test_support::bind_unix_socket(config_.health_socket, true);
  ASSERT_GE(live, 0);
  make();
  const common::Status started = service_->start();
  ::close(live);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("health socket"), std::string::npos);
  EXPECT_FALSE(notified("READY=1"));
}

// A blocking connect to 127.0.0.1:port: the kernel completes it from the
// listen backlog, so the loop need not run.
bool tcp_connects(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

TEST_F(ServiceTest, MetricsListenerStartsAndAReloadClosesIt) {
  config_.metrics_listen = config::ListenAddress{"127.0.0.1", 0};
  make();
  ASSERT_TRUE(service_->start().ok());
  const std::uint16_t port = service_->metrics_port();
  ASSERT_NE(port, 0);
  EXPECT_TRUE(tcp_connects(port));

  config::Config next = config_;
  next.metrics_listen.reset();
  next_load_.config = next;
  service_->reload();
  EXPECT_EQ(service_->metrics_port(), 0);
  EXPECT_FALSE(tcp_connects(port));
  EXPECT_TRUE(logged("metrics listener closed"));
  EXPECT_TRUE(fs::exists(config_.health_socket));  // the Unix socket is untouched
}

TEST_F(ServiceTest, AReloadThatChangesOnlyTheSocketModeKeepsTheSocket) {
  make();
  ASSERT_TRUE(service_->start().ok());
  struct stat before {};
  ASSERT_EQ(::lstat(config_.health_socket.c_str(), &before), 0);
  EXPECT_EQ(before.st_mode & 07777, 0660u);
  config::Config next = config_;
  next.health_socket_mode = 0666;
  next_load_.config = next;
  service_->reload();
  struct stat after {};
  ASSERT_EQ(::lstat(config_.health_socket.c_str(), &after), 0);
  EXPECT_EQ(after.st_mode & 07777, 0666u);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the same listening socket";
}

TEST_F(ServiceTest, MetricsPortInUseFailsTheStart) {
  config_.metrics_listen = config::ListenAddress{"127.0.0.1", 0};
  make();
  ASSERT_TRUE(service_->start().ok());
  config::Config second = config_;
  second.health_socket = (dir_.path() / "second.sock").string();
  second.metrics_listen = config::ListenAddress{"127.0.0.1", service_->metrics_port()};
  Service other(&loop_, second, *archive_, digests_);
  const common::Status started = other.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("metrics_listen: cannot listen on 127.0.0.1:"), std::string::npos)
      << started.error().message;
  EXPECT_FALSE(fs::exists(second.health_socket)) << "a failed start leaves no socket behind";
}

TEST_F(ServiceTest, WatchdogPingsWhenSystemdAsksForThem) {
  ::setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: a ping every 50 ms
  make();
  const common::Status started = service_->start();
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(until([&] { return count("WATCHDOG=1") >= 3; }));
  service_->shutdown();
  ASSERT_TRUE(until([&] { return !uv_loop_alive(&loop_); }));  // the watchdog timer is closed too
}

TEST_F(ServiceTest, NoNotifySocketIsHarmless) {
  ::unsetenv("NOTIFY_SOCKET");
  config_.health_socket = "";
  make();
  ASSERT_TRUE(service_->start().ok());
  ASSERT_TRUE(until([&] { return health("a")->polls_total == 1; }));
  service_->shutdown();
  ASSERT_TRUE(until([&] { return !uv_loop_alive(&loop_); }));
  EXPECT_TRUE(notifications().empty());
}

}  // namespace
}  // namespace popfetchd::daemon
