#pragma once
// Helpers for tests that need a scratch directory and raw Unix sockets
// (a stale socket file, a listener that never answers, a slow client).

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "health/unix_socket_file.hpp"
#include "support/temp_dir.hpp"

namespace health::test_support {

// The one TempDir of the tests (tests/support), under its old name here.
using ::test_support::TempDir;

// A socket bound at `path`, listening when `listen` is true; -1 on failure.
inline int bind_unix_socket(const std::string& path, bool listen) {
  const auto address = unix_socket_address(path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!address || fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0 ||
      (listen && ::listen(fd, 4) != 0)) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// A socket connected to `path`; -1 on failure.
inline int connect_unix_socket(const std::string& path, bool non_blocking = false) {
  const auto address = unix_socket_address(path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (!address || fd < 0 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace health::test_support
