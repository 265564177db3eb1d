// The health server under many, slow and rude clients: a hundred at once, a
// slow one beside a quick one, the per-client timeout, the client limit, stop
// with clients open, a client hanging up early.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.hpp"

namespace health {
namespace {

using test_support::HealthServerTest;
using test_support::ReadResult;
using test_support::get;
using test_support::read_until_eof;
using test_support::readable;
using test_support::send_all;

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

}  // namespace
}  // namespace health
