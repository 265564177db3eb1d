// The health server for real: a uv loop in the test thread, clients on
// std::threads (the blocking health_client) or as raw non-blocking sockets
// driven from the loop thread. Nothing sleeps: every test ends when the
// answers it waits for have arrived; a watchdog fails a test that hangs.

#include "health/server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "health/client.hpp"
#include "health/status_table.hpp"
#include "socket_test_support.hpp"

namespace health {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::milliseconds kWatchdog{10'000};

HealthSnapshot healthy_snapshot() {
  HealthSnapshot snapshot;
  snapshot.version = "0.1.0-test";
  snapshot.started_at = 1700000000;
  snapshot.now = 1700000060;
  AccountHealth alice;
  alice.name = "alice";
  alice.last_poll_at = 1700000050;
  alice.last_success_at = 1700000050;
  alice.next_poll_at = 1700000350;
  alice.messages_stored = 3;
  alice.polls_total = 1;
  snapshot.accounts.push_back(alice);
  return snapshot;
}

HealthSnapshot degraded_snapshot() {
  HealthSnapshot snapshot = healthy_snapshot();
  AccountHealth bob;
  bob.name = "bob";
  bob.state = AccountHealth::State::Backoff;
  bob.last_poll_at = 1700000055;
  bob.last_error = "connection refused";
  bob.consecutive_failures = 2;
  snapshot.accounts.push_back(bob);
  return snapshot;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

// Everything until EOF (or a reset, or 5 s of silence: then `eof` is false).
struct ReadResult {
  std::string data;
  bool eof = false;
};
ReadResult read_until_eof(int fd) {
  ReadResult result;
  char buffer[4096];
  for (;;) {
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, 5000) <= 0) return result;
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      result.data.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || errno == ECONNRESET) {
      result.eof = true;
      return result;
    } else if (errno != EAGAIN && errno != EINTR) {
      return result;
    }
  }
}

bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) > 0;
}

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_FALSE(dir_.empty());
    callbacks_.snapshot = [this] { return snapshot_; };
    callbacks_.request_poll = [this](std::optional<std::string> account) {
      poll_requests_.push_back(account);
      return !account || *account == "alice" ? PollRequest::Accepted : PollRequest::UnknownAccount;
    };
    // The watchdog only fails a hanging test; it never keeps the loop alive.
    ASSERT_EQ(uv_timer_init(&loop_, &watchdog_), 0);
    watchdog_.data = this;
    uv_timer_start(
        &watchdog_,
        [](uv_timer_t* timer) {
          auto* self = static_cast<HealthServerTest*>(timer->data);
          self->watchdog_fired_ = true;
          if (self->server_) self->server_->stop();
          uv_stop(timer->loop);
        },
        kWatchdog.count(), 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&watchdog_));
  }

  void TearDown() override {
    server_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);  // every close callback runs: nothing leaks
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
    EXPECT_FALSE(watchdog_fired_) << "the test hung";
  }

  HealthServer& start_server(HealthServerLimits limits = {}) {
    server_ = std::make_unique<HealthServer>(&loop_, callbacks_, limits);
    const common::Status started = server_->start(path_);
    EXPECT_TRUE(started.ok()) << started.error().message;
    return *server_;
  }

  // Runs `client` on its own thread while the loop runs here; when it
  // returns, the server stops and the loop drains.
  void run_with_client(const std::function<void()>& client) {
    uv_async_t done;
    ASSERT_EQ(uv_async_init(&loop_, &done,
                            [](uv_async_t* async) {
                              auto* self = static_cast<HealthServerTest*>(async->data);
                              if (self->server_) self->server_->stop();
                              uv_close(reinterpret_cast<uv_handle_t*>(async), nullptr);
                            }),
              0);
    done.data = this;
    std::thread thread([&] {
      client();
      uv_async_send(&done);
    });
    uv_run(&loop_, UV_RUN_DEFAULT);
    thread.join();
  }

  // Turns the loop from the test thread until `done` holds.
  void run_until(const std::function<bool()>& done) {
    while (!done() && !watchdog_fired_) uv_run(&loop_, UV_RUN_ONCE);
  }

  common::Result<HttpResponse> exchange(std::string_view request) {
    std::optional<common::Result<HttpResponse>> result;
    run_with_client([&] { result = http_exchange(path_, request); });
    return std::move(*result);
  }

  uv_loop_t loop_{};
  uv_timer_t watchdog_{};
  bool watchdog_fired_ = false;
  test_support::TempDir temp_dir_;
  const fs::path dir_ = temp_dir_.path();
  std::string path_ = (dir_ / "health.sock").string();
  HealthSnapshot snapshot_ = healthy_snapshot();
  std::vector<std::optional<std::string>> poll_requests_;
  HealthCallbacks callbacks_;
  std::unique_ptr<HealthServer> server_;
};

std::string get(std::string_view target, std::string_view method = "GET") {
  return std::string(method) + " " + std::string(target) +
         " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

TEST_F(HealthServerTest, SocketHasMode0660AndStopRemovesIt) {
  start_server();
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_TRUE(server_->listening());
  server_->stop();
  EXPECT_FALSE(server_->listening());
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
  server_->stop();  // twice is fine
}

TEST_F(HealthServerTest, HealthyAnswers200WithTheJson) {
  start_server();
  std::optional<common::Result<HttpResponse>> result;
  run_with_client([&] { result = fetch_health(path_); });
  ASSERT_TRUE(result && result->ok()) << result->error().message;
  const HttpResponse& response = **result;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_EQ(response.header("Content-Length"), std::to_string(response.body.size()));
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["version"], "0.1.0-test");
  EXPECT_EQ(body["accounts"][0]["name"], "alice");
  EXPECT_EQ(body, nlohmann::json::parse(render_health_json(snapshot_)));
}

TEST_F(HealthServerTest, DegradedAnswers503) {
  snapshot_ = degraded_snapshot();
  start_server();
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(nlohmann::json::parse(response->body)["status"], "degraded");
}

TEST_F(HealthServerTest, MetricsInPrometheusTextFormat) {
  start_server();
  auto response = exchange(get("/metrics"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  // The snapshot's families, and the process's own that the route reads from /proc.
  const std::string own = render_metrics(snapshot_);
  EXPECT_EQ(response->body.substr(response->body.size() - 200), own.substr(own.size() - 200));
  EXPECT_NE(response->body.find("popfetchd_polls_total{account=\"alice\"} 1\n"), std::string::npos);
  EXPECT_NE(response->body.find("# TYPE process_resident_memory_bytes gauge\n"), std::string::npos);
  EXPECT_NE(response->body.find("\nprocess_open_fds "), std::string::npos);
}

TEST_F(HealthServerTest, HeadIsGetWithoutBody) {
  start_server();
  auto response = exchange(get("/health", "HEAD"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("Content-Length"), std::to_string(render_health_json(snapshot_).size()));
  EXPECT_TRUE(response->body.empty());
}

TEST_F(HealthServerTest, PollOfAKnownAccountIsAccepted) {
  start_server();
  auto response = exchange("POST /poll/alice HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(nlohmann::json::parse(response->body),
            (nlohmann::json{{"status", "accepted"}, {"account", "alice"}}));
  ASSERT_EQ(poll_requests_.size(), 1u);
  EXPECT_EQ(poll_requests_[0], "alice");
}

TEST_F(HealthServerTest, PollOfAllAccountsIsAccepted) {
  start_server();
  auto response = exchange(get("/poll", "POST"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 202);
  ASSERT_EQ(poll_requests_.size(), 1u);
  EXPECT_EQ(poll_requests_[0], std::nullopt);
}

TEST_F(HealthServerTest, PollOfAnUnknownAccountIs404) {
  start_server();
  auto response = exchange(get("/poll/nobody", "POST"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404);
  ASSERT_EQ(poll_requests_.size(), 1u);
  EXPECT_EQ(poll_requests_[0], "nobody");
}

TEST_F(HealthServerTest, PollOfAnImpossibleNameNeverReachesTheScheduler) {
  start_server();
  auto response = exchange(get("/poll/al%2Fice", "POST"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404);
  EXPECT_TRUE(poll_requests_.empty());
}

TEST_F(HealthServerTest, UnknownPathIs404) {
  start_server();
  auto response = exchange(get("/nothing-here"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"], "not found");
}

TEST_F(HealthServerTest, WrongMethodIs405WithAllow) {
  start_server();
  auto post_health = exchange(get("/health", "POST"));
  ASSERT_TRUE(post_health.ok()) << post_health.error().message;
  EXPECT_EQ(post_health->status, 405);
  EXPECT_EQ(post_health->header("Allow"), "GET, HEAD");

  start_server();
  auto get_poll = exchange(get("/poll/alice"));
  ASSERT_TRUE(get_poll.ok()) << get_poll.error().message;
  EXPECT_EQ(get_poll->status, 405);
  EXPECT_EQ(get_poll->header("Allow"), "POST");
  EXPECT_TRUE(poll_requests_.empty());
}

TEST_F(HealthServerTest, GarbageIs400) {
  start_server();
  auto response = exchange("\x16\x03\x01 this is not HTTP\r\n\r\n");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 400);
}

TEST_F(HealthServerTest, OversizedHeadIsCutOffWith431) {
  start_server();
  const std::string huge =
      "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  auto response = exchange(huge);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 431);
}

TEST_F(HealthServerTest, OversizedBodyIs413) {
  start_server();
  auto response = exchange("POST /poll HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n" +
                           std::string(4096, 'x'));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(poll_requests_.empty());
}

TEST_F(HealthServerTest, HundredConcurrentClientsAreAllAnswered) {
  start_server();
  constexpr int kClients = 100;
  std::vector<int> statuses(kClients, 0);
  run_with_client([&] {
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        auto response = fetch_health(path_);
        statuses[static_cast<std::size_t>(i)] = response ? response->status : -1;
      });
    }
    for (auto& thread : threads) thread.join();
  });
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(statuses[static_cast<std::size_t>(i)], 200) << "client " << i;
}

TEST_F(HealthServerTest, SlowClientDoesNotBlockAnother) {
  start_server();
  std::optional<common::Result<HttpResponse>> second;
  bool slow_still_open = false;
  run_with_client([&] {
    const int slow = test_support::connect_unix_socket(path_);
    send_all(slow, "GET /hea");  // and nothing more for now
    second = fetch_health(path_);
    slow_still_open = !readable(slow);  // no answer and no close: it is still waiting
    ::close(slow);
  });
  ASSERT_TRUE(second && second->ok()) << second->error().message;
  EXPECT_EQ((*second)->status, 200);
  EXPECT_TRUE(slow_still_open);
}

TEST_F(HealthServerTest, SlowClientIsDroppedAfterTheTimeout) {
  HealthServerLimits limits;
  limits.client_timeout = std::chrono::milliseconds(20);
  start_server(limits);
  ReadResult slow;
  run_with_client([&] {
    const int fd = test_support::connect_unix_socket(path_);
    send_all(fd, "GET /health HTTP/1.1\r\nHo");
    slow = read_until_eof(fd);
    ::close(fd);
  });
  EXPECT_TRUE(slow.eof) << "the server never dropped the slow client";
  EXPECT_TRUE(slow.data.empty()) << slow.data;
}

TEST_F(HealthServerTest, ClientsOverTheLimitGet503) {
  HealthServerLimits limits;
  limits.max_clients = 2;
  HealthServer& server = start_server(limits);
  const int first = test_support::connect_unix_socket(path_, true);
  const int second = test_support::connect_unix_socket(path_, true);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  run_until([&] { return server.client_count() == 2; });
  const int third = test_support::connect_unix_socket(path_, true);
  ASSERT_GE(third, 0);
  run_until([&] { return readable(third); });
  const ReadResult answer = read_until_eof(third);
  EXPECT_TRUE(answer.eof);
  EXPECT_TRUE(answer.data.starts_with("HTTP/1.1 503 ")) << answer.data;
  EXPECT_EQ(server.client_count(), 2u);
  for (int fd : {first, second, third}) ::close(fd);
}

TEST_F(HealthServerTest, StopClosesOpenClients) {
  HealthServer& server = start_server();
  const int fd = test_support::connect_unix_socket(path_, true);
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /hea");
  run_until([&] { return server.client_count() == 1; });
  server.stop();
  EXPECT_EQ(server.client_count(), 0u);
  run_until([&] { return readable(fd); });
  const ReadResult rest = read_until_eof(fd);
  EXPECT_TRUE(rest.eof);
  EXPECT_TRUE(rest.data.empty());
  ::close(fd);
}

TEST_F(HealthServerTest, ClientHangingUpBeforeTheAnswerDoesNotHurt) {
  start_server();
  std::optional<common::Result<HttpResponse>> after;
  run_with_client([&] {
    for (int i = 0; i < 20; ++i) {
      const int fd = test_support::connect_unix_socket(path_);
      send_all(fd, get("/metrics"));
      ::close(fd);  // before the answer: the server's write fails (EPIPE), nothing else
    }
    after = fetch_health(path_);
  });
  ASSERT_TRUE(after && after->ok()) << after->error().message;
  EXPECT_EQ((*after)->status, 200);
}

TEST_F(HealthServerTest, StaleSocketFileIsReplaced) {
  // What a crashed daemon leaves behind: a socket file nobody listens on.
  const int fd = test_support::bind_unix_socket(path_, /*listen=*/false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_TRUE(fs::is_socket(path_));

  start_server();
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HealthServerTest, LiveSocketIsRefused) {
  start_server();
  HealthServer second(&loop_, callbacks_);
  const common::Status started = second.start(path_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Io);
  EXPECT_NE(started.error().message.find("already running"), std::string::npos) << started.error().message;
  // The first server is untouched.
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HealthServerTest, OtherFileAtThePathIsNeverRemoved) {
  { std::ofstream(path_) << "precious"; }
  HealthServer server(&loop_, callbacks_);
  const common::Status started = server.start(path_);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("not a socket"), std::string::npos) << started.error().message;
  std::ifstream in(path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(HealthServerTest, CreatesMissingParentDirectoriesWithMode0750) {
  path_ = (dir_ / "run" / "popfetchd" / "health.sock").string();
  start_server();
  for (const fs::path& directory : {dir_ / "run", dir_ / "run" / "popfetchd"}) {
    struct stat st {};
    ASSERT_EQ(::stat(directory.c_str(), &st), 0) << directory;
    EXPECT_EQ(st.st_mode & 07777, 0750u) << directory;
  }
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HealthServerTest, ParentThatIsAFileIsAClearError) {
  { std::ofstream(dir_ / "run") << "x"; }
  HealthServer server(&loop_, callbacks_);
  const common::Status started = server.start((dir_ / "run" / "health.sock").string());
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Io);
  EXPECT_NE(started.error().message.find("not a directory"), std::string::npos) << started.error().message;
}

TEST_F(HealthServerTest, OverlongPathIsRefusedNotTruncated) {
  HealthServer server(&loop_, callbacks_);
  const common::Status started = server.start((dir_ / std::string(120, 'x')).string());
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Config);
  EXPECT_NE(started.error().message.find("too long"), std::string::npos);
}

TEST_F(HealthServerTest, EmptyOrNulPathIsRefused) {
  HealthServer server(&loop_, callbacks_);
  for (const std::string& path : {std::string(), path_ + std::string(1, '\0') + "x"}) {
    const common::Status started = server.start(path);
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.error().kind, common::ErrorKind::Config);
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
}

TEST_F(HealthServerTest, ExceptionInACallbackIsA500) {
  callbacks_.snapshot = []() -> HealthSnapshot { throw std::runtime_error("scheduler broke"); };
  start_server();
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 500);
}

TEST_F(HealthServerTest, StatusCommandPrintsTheTableAndExitsByHealth) {
  start_server();
  StatusOutput healthy;
  run_with_client([&] { healthy = run_status(path_, false, snapshot_.now); });
  EXPECT_EQ(healthy.exit_status, kStatusHealthy) << healthy.error;
  EXPECT_TRUE(healthy.error.empty());
  EXPECT_EQ(healthy.out, render_status_table(render_health_json(snapshot_), snapshot_.now)->text);

  snapshot_ = degraded_snapshot();
  start_server();
  StatusOutput degraded;
  run_with_client([&] { degraded = run_status(path_, false, snapshot_.now); });
  EXPECT_EQ(degraded.exit_status, kStatusDegraded) << degraded.error;
  EXPECT_NE(degraded.out.find("bob      backoff"), std::string::npos) << degraded.out;
}

TEST_F(HealthServerTest, StatusCommandJsonPrintsTheRawBody) {
  snapshot_ = degraded_snapshot();
  start_server();
  StatusOutput output;
  run_with_client([&] { output = run_status(path_, true, snapshot_.now); });
  EXPECT_EQ(output.exit_status, kStatusDegraded);
  EXPECT_EQ(output.out, render_health_json(snapshot_) + "\n");
}

TEST_F(HealthServerTest, StatusCommandAfterStopIsUnreachable) {
  start_server();
  server_->stop();
  StatusOutput output;
  run_with_client([&] { output = run_status(path_, false, snapshot_.now); });
  EXPECT_EQ(output.exit_status, kStatusUnreachable);
  EXPECT_FALSE(output.error.empty());
}

}  // namespace
}  // namespace health
