#pragma once
// LineClient: a minimal blocking POP3-style client for tests that need to talk
// to DovecotServer or FakePop3Server directly (not the popfetchd client under
// test): send a command, read a line, read a dot-terminated multi-line reply.
// Owns: one connected socket. Reads and writes time out (10 s by default), so
// a broken server makes the test fail instead of hang.
// Errors: common::ErrorKind::Io (socket, timeout, peer closed), Protocol (a
// line longer than kMaxLine).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "support/socket_util.hpp"

namespace test_support {

class LineClient {
 public:
  // A test client reading a fake server's "huge line" must not eat all memory.
  static constexpr std::size_t kMaxLine = 1 << 20;

  static common::Result<LineClient> connect(const std::string& host, std::uint16_t port,
                                            std::chrono::milliseconds io_timeout = std::chrono::seconds(10));

  common::Status send(std::string_view bytes);
  // One line without its CRLF (or LF).
  common::Result<std::string> read_line();
  // send(line + CRLF), then read_line().
  common::Result<std::string> command(std::string_view line);
  // The lines up to the "." line, dot-unstuffed, each ending in CRLF (the
  // archive's `raw` form, DESIGN.md §3).
  common::Result<std::string> read_multiline();
  // True once the server closed the connection (read returned 0).
  common::Result<bool> at_eof();

  std::uint16_t local_port() const { return local_port_; }
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  LineClient(common::UniqueFd fd, std::uint16_t local_port) : fd_(std::move(fd)), local_port_(local_port) {}
  common::Result<std::string> read_raw_line();  // with its line end
  common::Status fill();

  common::UniqueFd fd_;
  std::uint16_t local_port_ = 0;
  std::string buffer_;
  std::size_t start_ = 0;  // buffer_[0, start_) was handed out already
  bool eof_ = false;
};

}  // namespace test_support
