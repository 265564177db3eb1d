#pragma once
// Reading the start of a file with a bound, for the config file and password
// files. Owns the descriptor only for the call. Errors are ErrorKind::Io with
// the system's reason (strerror); the caller adds which file it was.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace config::detail {

struct FilePrefix {
  std::string bytes;       // at most max_bytes
  bool truncated = false;  // the file has more than max_bytes
};

common::Result<FilePrefix> read_file_prefix(const std::string& path, std::size_t max_bytes);

// Appends to `out` what `fd` yields until EOF, or until `out` holds `max_bytes`
// or (when `stop_at_newline`) a '\n'. Retries EINTR. Returns false with errno
// set on a read error.
bool read_bounded(int fd, std::string& out, std::size_t max_bytes, bool stop_at_newline);

// The first line of `bytes` without its "\n" or "\r\n". nullopt when `bytes`
// has no newline and was cut short (the line may go on) or the line is longer
// than max_length.
std::optional<std::string> first_line(std::string_view bytes, bool truncated, std::size_t max_length);

}  // namespace config::detail
