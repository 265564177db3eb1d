#include "integration/server_suite.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace integration {

std::string dump(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += "\n  " + line;
  return out;
}

bool ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return bound;
}

void listen_on_both_loopbacks(test_support::DovecotOptions& options) {
  if (!ipv6_loopback()) return;
  options.certificate.subject_alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  options.extra_config.push_back("listen = 127.0.0.1, ::1");  // the later setting wins
}

void ServerSuite::start(const test_support::DovecotOptions& options) {
  auto work = test_support::TempDir::create("popfetchd-integ-");
  if (!work) {
    status_ = work.error();
    return;
  }
  work_.emplace(std::move(*work));
  if (const char* keep = std::getenv("POPFETCHD_KEEP_FIXTURES");
      keep != nullptr && std::string(keep) == "1") {
    work_->keep();
  }
  server_ = std::make_unique<test_support::DovecotServer>();
  status_ = server_->start(options);
}

Mailbox ServerSuite::mailbox(const std::string& user, std::uint64_t seed) {
  auto mailbox = create_mailbox(server(), user, "pw-" + user, varied_messages(seed));
  EXPECT_TRUE(mailbox.ok()) << mailbox.error().message;
  return mailbox.ok() ? std::move(*mailbox) : Mailbox{};
}

void ServerSuite::stop() {
  server_.reset();
  work_.reset();
  status_ = common::make_error(common::ErrorKind::Io, "the suite's server was stopped");
}

}  // namespace integration
