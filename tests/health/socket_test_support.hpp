#pragma once
// Helpers for tests that need a scratch directory and raw Unix sockets
// (a stale socket file, a listener that never answers, a slow client).

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "health/unix_socket_file.hpp"

namespace health::test_support {

// A fresh directory under the system's temp directory, removed with its content.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "popfetchd-daemon-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }  // empty when mkdtemp failed

 private:
  std::filesystem::path path_;
};

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
