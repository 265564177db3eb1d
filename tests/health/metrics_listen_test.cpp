// metrics_listen: the health server on a real TCP port of a real uv loop,
// scraped by a plain TCP client on another thread. Only the read-only routes
// answer; the body passes `promtool check metrics` when promtool is installed.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "health/http_response.hpp"
#include "health/server.hpp"
#include "net/uv.hpp"
#include "socket_test_support.hpp"

namespace health {
namespace {

constexpr std::uint64_t kWatchdogMs = 10'000;

HealthSnapshot sample_snapshot() {
  HealthSnapshot snapshot;
  snapshot.version = "1.0-test";
  snapshot.started_at = 1700000000;
  snapshot.now = 1700000060;
  AccountHealth alice;
  alice.name = "alice";
  alice.polls_total = 2;
  alice.messages_stored = 5;
  snapshot.accounts.push_back(alice);
  snapshot.process = read_process_stats();
  return snapshot;
}

// One request over a fresh TCP connection to 127.0.0.1:port; the raw answer.
std::string tcp_exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (;;) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 5000) <= 0) break;
      const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got <= 0) break;
      answer.append(buffer, static_cast<std::size_t>(got));
    }
  }
  if (fd >= 0) ::close(fd);
  return answer;
}

HttpResponse parse(const std::string& raw) {
  HttpResponseParser parser;
  parser.feed(raw);
  parser.finish();
  EXPECT_EQ(parser.progress(), HttpResponseParser::Progress::Complete) << raw;
  return parser.response();
}

std::string request(std::string_view method, std::string_view path) {
  return std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

class MetricsListenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    callbacks_.snapshot = [] { return sample_snapshot(); };
    callbacks_.request_poll = [this](std::optional<std::string>) {
      ++posts_;
      return PollRequest::Accepted;
    };
    callbacks_.request_delivery = callbacks_.request_poll;
    server_ = std::make_unique<HealthServer>(&loop_, callbacks_);
    const common::Status started = server_->start_tcp(config::ListenAddress{"127.0.0.1", 0});
    ASSERT_TRUE(started.ok()) << started.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    server_.reset();
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
  }

  // Runs `client` on a thread while the loop serves, until it returns (or a
  // watchdog fails the hang). The server keeps listening.
  void run_with_client(const std::function<void()>& client) {
    uv_async_t* done = new uv_async_t{};
    ASSERT_EQ(uv_async_init(&loop_, done, [](uv_async_t* async) { uv_stop(async->loop); }), 0);
    uv_timer_t* watchdog = new uv_timer_t{};
    uv_timer_init(&loop_, watchdog);
    uv_timer_start(watchdog, [](uv_timer_t* timer) { uv_stop(timer->loop); }, kWatchdogMs, 0);
    std::thread thread([&] {
      client();
      uv_async_send(done);
    });
    uv_run(&loop_, UV_RUN_DEFAULT);
    thread.join();
    uv_close(reinterpret_cast<uv_handle_t*>(done), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
    uv_close(reinterpret_cast<uv_handle_t*>(watchdog),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }

  std::string exchange(std::string_view method, std::string_view path) {
    std::string raw;
    const std::uint16_t port = server_->port();
    run_with_client([&] { raw = tcp_exchange(port, request(method, path)); });
    return raw;
  }

  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  HealthCallbacks callbacks_;
  std::unique_ptr<HealthServer> server_;
  int posts_ = 0;
};

TEST_F(MetricsListenTest, ServesMetricsOverTcp) {
  const HttpResponse response = parse(exchange("GET", "/metrics"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type").value_or(""), kMetricsContentType);
  EXPECT_NE(response.body.find("popfetchd_polls_total{account=\"alice\"} 2\n"), std::string::npos);
  EXPECT_NE(response.body.find("process_open_fds"), std::string::npos);
}

TEST_F(MetricsListenTest, ServesHealthAndLivez) {
  EXPECT_EQ(parse(exchange("GET", "/health")).status, 200);
  std::string raw;
  const std::uint16_t port = server_->port();
  // Two requests in one loop run: the listener keeps accepting.
  run_with_client([&] { raw = tcp_exchange(port, request("GET", "/livez")) + tcp_exchange(port, request("HEAD", "/metrics")); });
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_NE(raw.find("HTTP/1.1 200 OK", 10), std::string::npos);
}

TEST_F(MetricsListenTest, PostRoutesAreNeverReachable) {
  for (const char* path : {"/poll", "/poll/alice", "/deliver", "/deliver/alice", "/metrics"}) {
    const std::uint16_t port = server_->port();
    std::string raw;
    const std::string post = "POST " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    run_with_client([&] { raw = tcp_exchange(port, post); });
    const HttpResponse response = parse(raw);
    EXPECT_EQ(response.status, 405) << path;
    EXPECT_EQ(response.header("Allow").value_or(""), "GET, HEAD") << path;
  }
  EXPECT_EQ(posts_, 0);
}

TEST_F(MetricsListenTest, OtherPathsAre404) {
  EXPECT_EQ(parse(exchange("GET", "/poll")).status, 404);
}

TEST_F(MetricsListenTest, PortInUseIsAClearError) {
  HealthServer second(&loop_, callbacks_);
  const common::Status started = second.start_tcp(config::ListenAddress{"127.0.0.1", server_->port()});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Io);
  EXPECT_NE(started.error().message.find("cannot listen on 127.0.0.1:" + std::to_string(server_->port())),
            std::string::npos)
      << started.error().message;
}

TEST_F(MetricsListenTest, PromtoolFindsTheScrapeClean) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  }
  const HttpResponse response = parse(exchange("GET", "/metrics"));
  ASSERT_EQ(response.status, 200);
  test_support::TempDir dir;
  const std::string file = (dir.path() / "metrics.txt").string();
  std::ofstream(file, std::ios::binary) << response.body;
  const std::string output_file = (dir.path() / "promtool.out").string();
  const int rc = std::system(("promtool check metrics < '" + file + "' > '" + output_file + "' 2>&1").c_str());
  std::ifstream output(output_file);
  const std::string said((std::istreambuf_iterator<char>(output)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << said;
  EXPECT_EQ(said, "") << "promtool's lint findings";
}

}  // namespace
}  // namespace health
