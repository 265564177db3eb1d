#pragma once
// HealthServerTest: the health server for real, on a uv loop in the test
// thread, with clients on std::threads (the blocking health_client) or as raw
// non-blocking sockets driven from the loop thread. Nothing sleeps: every test
// ends when the answers it waits for have arrived; a watchdog fails a test
// that hangs, and TearDown fails one that leaves a handle open.
// Owns: the loop, the server and a private directory for the socket.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <uv.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "health/client.hpp"
#include "health/server.hpp"
#include "net/uv.hpp"
#include "socket_test_support.hpp"

namespace health::test_support {

namespace fs = std::filesystem;

inline constexpr std::chrono::milliseconds kWatchdog{10'000};

inline HealthSnapshot healthy_snapshot() {
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

inline HealthSnapshot degraded_snapshot() {
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

inline void send_all(int fd, std::string_view data) {
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
inline ReadResult read_until_eof(int fd) {
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

inline bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) > 0;
}

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
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
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
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

  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
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

inline std::string get(std::string_view target, std::string_view method = "GET") {
  return std::string(method) + " " + std::string(target) +
         " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

}  // namespace health::test_support
