#include "deliver/write_all.hpp"

#include <unistd.h>

#include <cerrno>

#include "deliver/file_error.hpp"

namespace deliver {

common::Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error("writing " + path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace deliver
