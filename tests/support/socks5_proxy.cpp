#include "support/socks5_proxy.hpp"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/files.hpp"
#include "support/socket_util.hpp"

namespace test_support {
namespace {

using common::ErrorKind;
using common::make_error;

// A healthy microsocks listens within milliseconds.
constexpr std::chrono::milliseconds kReadyTimeout{10'000};
// Another process may take the free port before microsocks binds it.
constexpr int kPortAttempts = 5;

}  // namespace

std::string Socks5Proxy::program() {
  for (const char* path : {"/usr/bin/microsocks", "/usr/local/bin/microsocks"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return {};
}

common::Result<Socks5Proxy> Socks5Proxy::start(const std::string& user, const std::string& password) {
  const std::string binary = program();
  if (binary.empty())
    return make_error(ErrorKind::Io, "microsocks is not installed (apt-get install microsocks)");
  auto dir = TempDir::create("popfetchd-socks5-");
  if (!dir) return dir.error();
  const auto log = dir->path() / "microsocks.log";
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    auto port = find_free_port();
    if (!port) return port.error();
    std::vector<std::string> argv = {binary, "-i", "127.0.0.1", "-p", std::to_string(*port)};
    if (!user.empty()) argv.insert(argv.end(), {"-u", user, "-P", password});
    auto process = ChildProcess::spawn(argv, log);
    if (!process) return process.error();
    // Readiness: poll until the port accepts a connection, or the process died
    // (the port was taken: try another).
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (process->running() && std::chrono::steady_clock::now() < deadline) {
      if (connect_tcp("127.0.0.1", *port, std::chrono::seconds(1))) {
        return Socks5Proxy(std::move(*dir), std::move(*process), *port);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (process->running()) {
      return make_error(ErrorKind::Timeout, "microsocks did not listen within 10s: " + read_file(log));
    }
  }
  return make_error(ErrorKind::Io, "microsocks could not bind a free port: " + read_file(log));
}

std::string Socks5Proxy::log_text() const { return read_file(dir_.path() / "microsocks.log"); }

}  // namespace test_support
