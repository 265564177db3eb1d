#pragma once
// Fixtures for the end-to-end tests of `popfetchd run`: the daemon as a child
// process with its own systemd notification socket, its config written from
// a list of accounts, and its health socket queried over HTTP.
//
// Owns: the notification socket (an AF_UNIX datagram socket the test binds,
// like systemd does, and passes to the child as $NOTIFY_SOCKET) and the child
// (stopped and reaped by its destructor). Waiting is always for a condition,
// paced by the notification socket (each wait returns early when the daemon
// says something); the deadlines only bound a broken test.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "support/child_process.hpp"

namespace popfetchd::daemon::e2e {

inline constexpr std::chrono::milliseconds kDeadline{60'000};

// One account in the YAML written by write_config().
struct AccountSpec {
  std::string name;
  std::uint16_t port = 0;
  std::string security = "none";
  std::string username;
  std::string password;
  std::string ca_file;
  std::string extra;  // more YAML lines for the account, each "    key: value\n"
};

struct ConfigSpec {
  std::string database;
  std::string health_socket;
  std::string log_level = "info";
  unsigned max_concurrent_polls = 16;
  std::string poll_interval = "1h";
  std::vector<AccountSpec> accounts;
};

std::string render_config(const ConfigSpec& spec);
// Writes the config atomically (mode 0600: it holds passwords).
common::Status write_config(const std::filesystem::path& path, const ConfigSpec& spec);

class NotifySocket {
 public:
  static common::Result<NotifySocket> bind(const std::filesystem::path& path);
  NotifySocket(NotifySocket&& other) noexcept;
  NotifySocket& operator=(NotifySocket&&) = delete;
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket();

  const std::string& path() const { return path_; }
  // Waits up to `timeout` for datagrams and collects them; returns how many arrived.
  std::size_t wait(std::chrono::milliseconds timeout);
  // Every datagram so far; a datagram may hold several lines ("READY=1\nSTATUS=...").
  const std::vector<std::string>& received() const { return received_; }
  std::size_t count(const std::string& line) const;

 private:
  NotifySocket(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  std::vector<std::string> received_;
};

// Waits until `done()`, paced by the notification socket. False on the deadline.
bool wait_until(NotifySocket& notify, const std::function<bool()>& done,
                std::chrono::milliseconds deadline = kDeadline);

// The popfetchd binary under test (from CMake).
std::string popfetchd_binary();

// `popfetchd -c config run`, with NOTIFY_SOCKET set for it only.
common::Result<test_support::ChildProcess> start_daemon(const std::filesystem::path& config,
                                                        const NotifySocket& notify,
                                                        const std::filesystem::path& log_file);
// Runs `popfetchd -c config <args...>` to completion; returns its exit status (or -1).
int run_command(const std::filesystem::path& config, const std::vector<std::string>& args,
                const std::filesystem::path& output_file);

// GET /health: the parsed body and the HTTP status.
struct Health {
  int status = 0;
  nlohmann::json body;
  const nlohmann::json* account(const std::string& name) const;
  std::uint64_t stored(const std::string& name) const;  // messages_stored, 0 when absent
};
std::optional<Health> get_health(const std::string& socket);
// Messages and bytes per account in the archive, read over a read-only
// SQLite connection of our own (the daemon may be writing meanwhile: WAL).
struct StoredTotals {
  std::int64_t messages = 0;
  std::int64_t bytes = 0;
};
std::map<std::string, StoredTotals> archive_totals(const std::string& database);

// POST /poll or /poll/<account>; the HTTP status or -1.
int post_poll(const std::string& socket, const std::optional<std::string>& account);

}  // namespace popfetchd::daemon::e2e
