// Bounded file reading; see file_reader.hpp.
#include "config/file_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "common/unique_fd.hpp"

namespace config::detail {

bool read_bounded(int fd, std::string& out, std::size_t max_bytes, bool stop_at_newline) {
  char buffer[4096];
  while (out.size() < max_bytes) {
    const std::size_t want = std::min(sizeof buffer, max_bytes - out.size());
    const ssize_t got = ::read(fd, buffer, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (got == 0) return true;
    out.append(buffer, static_cast<std::size_t>(got));
    if (stop_at_newline && std::memchr(buffer, '\n', static_cast<std::size_t>(got)) != nullptr) return true;
  }
  return true;
}

common::Result<FilePrefix> read_file_prefix(const std::string& path, std::size_t max_bytes) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return common::make_error(common::ErrorKind::Io, std::strerror(errno));
  FilePrefix prefix;
  // One byte more than allowed tells "exactly max_bytes" from "more".
  if (!read_bounded(fd.get(), prefix.bytes, max_bytes + 1, false)) {
    return common::make_error(common::ErrorKind::Io, std::strerror(errno));
  }
  if (prefix.bytes.size() > max_bytes) {
    prefix.bytes.resize(max_bytes);
    prefix.truncated = true;
  }
  return prefix;
}

std::optional<std::string> first_line(std::string_view bytes, bool truncated, std::size_t max_length) {
  const auto newline = bytes.find('\n');
  if (newline == std::string_view::npos && truncated) return std::nullopt;
  std::string_view line = bytes.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_length) return std::nullopt;
  return std::string(line);
}

}  // namespace config::detail
