#include "support/line_client.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace test_support {
namespace {

using common::ErrorKind;
using common::make_error;

constexpr std::size_t kReadChunk = 64 * 1024;

}  // namespace

common::Result<LineClient> LineClient::connect(const std::string& host, std::uint16_t port,
                                               std::chrono::milliseconds io_timeout) {
  auto fd = connect_tcp(host, port, io_timeout);
  if (!fd) return fd.error();
  auto port_result = test_support::local_port(fd->get());
  if (!port_result) return port_result.error();
  return LineClient(std::move(*fd), *port_result);
}

common::Status LineClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorKind::Io, errno_message("send"));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

common::Status LineClient::fill() {
  if (eof_) return make_error(ErrorKind::Io, "connection closed by the server");
  char chunk[kReadChunk];
  ssize_t n;
  do {
    n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return make_error(ErrorKind::Io, errno_message("recv"));
  if (n == 0) {
    eof_ = true;
    return make_error(ErrorKind::Io, "connection closed by the server");
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return {};
}

common::Result<std::string> LineClient::read_raw_line() {
  std::size_t scanned = start_;
  for (;;) {
    const auto lf = buffer_.find('\n', scanned);
    if (lf != std::string::npos) {
      std::string line = buffer_.substr(start_, lf + 1 - start_);
      start_ = lf + 1;
      // Compact now and then, not per line: a long reply has many lines.
      if (start_ == buffer_.size() || start_ > kReadChunk) {
        buffer_.erase(0, start_);
        start_ = 0;
      }
      return line;
    }
    if (buffer_.size() - start_ > kMaxLine) return make_error(ErrorKind::Protocol, "line longer than 1 MiB");
    scanned = buffer_.size();
    if (auto filled = fill(); !filled) return filled.error();
  }
}

common::Result<std::string> LineClient::read_line() {
  auto line = read_raw_line();
  if (!line) return line;
  std::string text = std::move(*line);
  text.pop_back();  // LF
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

common::Result<std::string> LineClient::command(std::string_view line) {
  if (auto sent = send(std::string(line) + "\r\n"); !sent) return sent.error();
  return read_line();
}

common::Result<std::string> LineClient::read_multiline() {
  std::string body;
  for (;;) {
    auto line = read_raw_line();
    if (!line) return line;
    if (*line == ".\r\n") return body;
    std::string_view view = *line;
    if (view.front() == '.') view.remove_prefix(1);  // RFC 1939 byte-stuffing
    body += view;
  }
}

common::Result<bool> LineClient::at_eof() {
  if (start_ < buffer_.size()) return false;
  if (eof_) return true;
  auto filled = fill();
  if (eof_) return true;
  if (!filled) return filled.error();
  return false;
}

}  // namespace test_support
