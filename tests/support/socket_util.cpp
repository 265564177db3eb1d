#include "support/socket_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace test_support {
namespace {

using common::ErrorKind;
using common::make_error;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace

std::string errno_message(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

common::Result<common::UniqueFd> listen_tcp(std::uint16_t port) {
  common::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error(ErrorKind::Io, errno_message("socket"));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in addr = loopback(port);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error(ErrorKind::Io, errno_message("bind"));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) return make_error(ErrorKind::Io, errno_message("listen"));
  return fd;
}

common::Result<std::uint16_t> local_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return make_error(ErrorKind::Io, errno_message("getsockname"));
  }
  return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

common::Result<std::uint16_t> find_free_port() {
  common::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error(ErrorKind::Io, errno_message("socket"));
  const sockaddr_in addr = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error(ErrorKind::Io, errno_message("bind"));
  }
  return local_port(fd.get());
}

common::Result<common::UniqueFd> connect_tcp(const std::string& host, std::uint16_t port,
                                     std::chrono::milliseconds io_timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return make_error(ErrorKind::Io, "not an IPv4 address: " + host);
  }
  common::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return make_error(ErrorKind::Io, errno_message("socket"));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(io_timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((io_timeout.count() % 1000) * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return make_error(ErrorKind::Io, errno_message(("connect " + host + ":" + std::to_string(port)).c_str()));
  }
  return fd;
}

}  // namespace test_support
