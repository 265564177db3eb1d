#pragma once
// FakeLmtpServer: a scripted LMTP server for one connection on 127.0.0.1,
// run on its own thread with blocking sockets (10 s timeouts, so a broken
// client fails the test instead of hanging it). It accepts LHLO, MAIL, RCPT
// and DATA, then answers the message with `final_reply` - or, when that is
// empty, closes the connection in the middle of the message. Records every
// byte it received.

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string>
#include <thread>

#include "common/unique_fd.hpp"
#include "support/socket_util.hpp"

namespace deliver_test {

class FakeLmtpServer {
 public:
  explicit FakeLmtpServer(std::string final_reply) : final_reply_(std::move(final_reply)) {
    auto listener = test_support::listen_tcp();
    if (!listener) return;
    listener_ = std::move(*listener);
    auto port = test_support::local_port(listener_.get());
    port_ = port ? *port : 0;
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeLmtpServer() {
    if (thread_.joinable()) thread_.join();
  }
  FakeLmtpServer(const FakeLmtpServer&) = delete;
  FakeLmtpServer& operator=(const FakeLmtpServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Everything the client sent; call after the delivery finished.
  const std::string& received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  void serve() {
    pollfd pfd{listener_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, 10'000) != 1) return;
    common::UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) return;
    timeval timeout{10, 0};
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    fd_ = client.get();
    send("220 fake LMTP\r\n");
    for (std::string line; read_until("\r\n", line);) {
      if (line.starts_with("LHLO")) send("250-fake\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n");
      if (line.starts_with("MAIL") || line.starts_with("RCPT")) send("250 2.1.0 OK\r\n");
      if (line.starts_with("QUIT")) return send("221 2.0.0 Bye\r\n");
      if (!line.starts_with("DATA")) continue;
      send("354 OK\r\n");
      if (final_reply_.empty()) return;  // drop mid-message (the client's bytes are still unread)
      std::string message;
      if (!read_until("\r\n.\r\n", message)) return;
      send(final_reply_);
    }
  }

  // Reads into received_ until `end` follows what earlier calls consumed;
  // `out` gets the bytes up to and including it.
  bool read_until(const std::string& end, std::string& out) {
    const std::size_t start = consumed_;
    for (;;) {
      const std::size_t found = received_.find(end, start);
      if (found != std::string::npos) {
        out = received_.substr(start, found + end.size() - start);
        consumed_ = found + end.size();
        return true;
      }
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  void send(const std::string& bytes) { (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  std::string final_reply_;
  common::UniqueFd listener_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  int fd_ = -1;
  std::string received_;
  std::size_t consumed_ = 0;
};

}  // namespace deliver_test
