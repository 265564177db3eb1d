#pragma once
// Blocking-socket helpers for the test fixtures (IPv4 loopback only).
// Owns: common::UniqueFd owns one file descriptor and closes it. Every descriptor is
// made close-on-exec, so servers the fixtures start inherit none of them.
// Errors: common::ErrorKind::Io with the call and errno text.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace test_support {

// A port that was free on 127.0.0.1 a moment ago (bind to port 0, read, close).
// Another process may take it before it is used; callers retry on EADDRINUSE.
common::Result<std::uint16_t> find_free_port();

// A listening socket on 127.0.0.1, port 0 = any free port.
common::Result<common::UniqueFd> listen_tcp(std::uint16_t port = 0);
common::Result<std::uint16_t> local_port(int fd);

// Connects to host:port (IPv4 literal); reads and writes on the result time out
// after `io_timeout` so a broken test fails instead of hanging.
common::Result<common::UniqueFd> connect_tcp(const std::string& host, std::uint16_t port,
                                     std::chrono::milliseconds io_timeout = std::chrono::seconds(10));

std::string errno_message(const char* what);

}  // namespace test_support
