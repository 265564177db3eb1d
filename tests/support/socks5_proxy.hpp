#pragma once
// Socks5Proxy: a real SOCKS5 server (Debian's microsocks) for the proxy tests,
// started privately on 127.0.0.1 on a free port, optionally with a user and
// password (RFC 1929). Its output goes to a log file in its own temp dir.
//
// Owns: the microsocks process (stopped and reaped by the destructor) and the
// temp directory. Never touches any other process or a system-wide proxy.
// Errors: Io when microsocks is missing or cannot be started; Timeout when it
// does not accept connections in time.

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace test_support {

class Socks5Proxy {
 public:
  // Where microsocks is (empty when not installed: tests skip with the reason).
  static std::string program();

  // user empty: no authentication.
  static common::Result<Socks5Proxy> start(const std::string& user = {}, const std::string& password = {});

  std::uint16_t port() const { return port_; }
  std::string log_text() const;

 private:
  Socks5Proxy(TempDir dir, ChildProcess process, std::uint16_t port)
      : dir_(std::move(dir)), process_(std::move(process)), port_(port) {}

  TempDir dir_;
  ChildProcess process_;
  std::uint16_t port_;
};

}  // namespace test_support
