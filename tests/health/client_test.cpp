// The blocking client's failure paths against sockets the test controls: no
// file, a dead socket, a listener that never answers, one that answers
// garbage. (Its success paths run against the real server in
// health_server_test.cpp.)

#include "health/client.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "socket_test_support.hpp"

namespace health {
namespace {

class HealthClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
  }

  // A socket bound at path_; listening when `listen` is true.
  void bind_socket(bool listen) {
    fd_ = test_support::bind_unix_socket(path_, listen);
    ASSERT_GE(fd_, 0);
  }

  test_support::TempDir dir_;
  std::string path_ = (dir_.path() / "health.sock").string();
  int fd_ = -1;
};

TEST_F(HealthClientTest, NoSocketFileIsAnIoError) {
  auto response = fetch_health(path_);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, common::ErrorKind::Io);
  EXPECT_NE(response.error().message.find(path_), std::string::npos) << response.error().message;
  EXPECT_NE(response.error().message.find("is it running"), std::string::npos) << response.error().message;
}

TEST_F(HealthClientTest, DeadSocketIsAnIoError) {
  bind_socket(/*listen=*/false);
  auto response = fetch_health(path_);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, common::ErrorKind::Io);
  EXPECT_NE(response.error().message.find("nothing listens"), std::string::npos) << response.error().message;
}

TEST_F(HealthClientTest, ListenerThatNeverAnswersIsATimeout) {
  bind_socket(/*listen=*/true);  // connections queue in the backlog, nobody accepts
  auto response = fetch_health(path_, std::chrono::milliseconds(50));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, common::ErrorKind::Timeout);
}

TEST_F(HealthClientTest, GarbageAnswerIsAProtocolError) {
  bind_socket(/*listen=*/true);
  std::thread server([this] {
    const int client = ::accept(fd_, nullptr, nullptr);
    char buffer[1024];
    (void)::recv(client, buffer, sizeof(buffer), 0);
    const std::string_view garbage = "SSH-2.0-OpenSSH_9.2\r\n";
    (void)::send(client, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    ::close(client);
  });
  auto response = fetch_health(path_);
  server.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, common::ErrorKind::Protocol);
}

TEST_F(HealthClientTest, SendsTheDocumentedRequest) {
  bind_socket(/*listen=*/true);
  std::string received;
  std::thread server([&] {
    const int client = ::accept(fd_, nullptr, nullptr);
    char buffer[1024];
    while (received.find("\r\n\r\n") == std::string::npos) {
      const ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
      if (got <= 0) break;
      received.append(buffer, static_cast<std::size_t>(got));
    }
    const std::string_view answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(client);
  });
  auto response = fetch_health(path_);
  server.join();
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{}");
  EXPECT_EQ(received, "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

TEST_F(HealthClientTest, UnusablePathIsAConfigError) {
  auto response = fetch_health(std::string(200, 'x'));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, common::ErrorKind::Config);
}

}  // namespace
}  // namespace health
