#include "daemon_process.hpp"

#include <poll.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "health/client.hpp"
#include "health/unix_socket_file.hpp"
#include "support/files.hpp"

namespace popfetchd::daemon::e2e {

std::string render_config(const ConfigSpec& spec) {
  std::ostringstream yaml;
  yaml << "database: " << spec.database << "\n"
       << "health_socket: \"" << spec.health_socket << "\"\n"
       << "log_level: " << spec.log_level << "\n"
       << "max_concurrent_polls: " << spec.max_concurrent_polls << "\n"
       << "defaults:\n"
       << "  server: 127.0.0.1\n"
       << "  poll_interval: " << spec.poll_interval << "\n"
       << "  timeout: 20s\n"
       << "accounts:\n";
  for (const AccountSpec& account : spec.accounts) {
    yaml << "  - name: " << account.name << "\n"
         << "    port: " << account.port << "\n"
         << "    security: " << account.security << "\n"
         << "    username: " << (account.username.empty() ? account.name : account.username) << "\n"
         << "    password: \"" << account.password << "\"\n";
    if (!account.ca_file.empty()) yaml << "    ca_file: " << account.ca_file << "\n";
    yaml << account.extra;
  }
  return yaml.str();
}

common::Status write_config(const std::filesystem::path& path, const ConfigSpec& spec) {
  return test_support::replace_file(path, render_config(spec), 0600);
}

common::Result<NotifySocket> NotifySocket::bind(const std::filesystem::path& path) {
  auto address = health::unix_socket_address(path.string());
  if (!address) return address.error();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0) {
    if (fd >= 0) ::close(fd);
    return common::make_error(common::ErrorKind::Io, "cannot bind the notification socket " + path.string());
  }
  return NotifySocket(fd, path.string());
}

NotifySocket::NotifySocket(NotifySocket&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), received_(std::move(other.received_)) {
  other.fd_ = -1;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

std::size_t NotifySocket::wait(std::chrono::milliseconds timeout) {
  pollfd fds{fd_, POLLIN, 0};
  if (::poll(&fds, 1, static_cast<int>(timeout.count())) <= 0) return 0;
  std::size_t got = 0;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) break;
    received_.emplace_back(buffer, static_cast<std::size_t>(n));
    ++got;
  }
  return got;
}

std::size_t NotifySocket::count(const std::string& line) const {
  std::size_t n = 0;
  for (const std::string& datagram : received_) {
    std::istringstream lines(datagram);
    for (std::string each; std::getline(lines, each);) n += each == line ? 1 : 0;
  }
  return n;
}

bool wait_until(NotifySocket& notify, const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    notify.wait(std::chrono::milliseconds(50));
  }
  return true;
}

std::string popfetchd_binary() { return POPFETCHD_BINARY; }

common::Result<test_support::ChildProcess> start_daemon(const std::filesystem::path& config,
                                                        const NotifySocket& notify,
                                                        const std::filesystem::path& log_file) {
  // ChildProcess passes our environment on: set NOTIFY_SOCKET just for the spawn.
  ::setenv("NOTIFY_SOCKET", notify.path().c_str(), 1);
  auto child =
      test_support::ChildProcess::spawn({popfetchd_binary(), "-c", config.string(), "run"}, log_file);
  ::unsetenv("NOTIFY_SOCKET");
  return child;
}

int run_command(const std::filesystem::path& config, const std::vector<std::string>& args,
                const std::filesystem::path& output_file) {
  std::vector<std::string> argv = {popfetchd_binary(), "-c", config.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = test_support::ChildProcess::spawn(argv, output_file);
  if (!child) return -1;
  auto status = child->wait(std::chrono::seconds(120));
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

const nlohmann::json* Health::account(const std::string& name) const {
  if (!body.contains("accounts")) return nullptr;
  for (const auto& entry : body["accounts"]) {
    if (entry.value("name", "") == name) return &entry;
  }
  return nullptr;
}

std::uint64_t Health::stored(const std::string& name) const {
  const nlohmann::json* entry = account(name);
  return entry == nullptr ? 0 : (*entry)["messages_stored"].get<std::uint64_t>();
}

std::optional<Health> get_health(const std::string& socket) {
  auto response = health::fetch_health(socket);
  if (!response) return std::nullopt;
  Health health;
  health.status = response->status;
  health.body = nlohmann::json::parse(response->body, nullptr, false);
  if (health.body.is_discarded()) return std::nullopt;
  return health;
}

std::map<std::string, StoredTotals> archive_totals(const std::string& database) {
  std::map<std::string, StoredTotals> totals;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT account, count(*), sum(size) FROM messages GROUP BY account", -1,
                           &statement, nullptr) == SQLITE_OK) {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        const auto* account = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        totals[account != nullptr ? account : ""] = {sqlite3_column_int64(statement, 1),
                                                     sqlite3_column_int64(statement, 2)};
      }
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return totals;
}

int post_poll(const std::string& socket, const std::optional<std::string>& account) {
  const std::string path = account ? "/poll/" + *account : "/poll";
  auto response = health::http_exchange(socket, "POST " + path +
                                                    " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
                                                    "Connection: close\r\n\r\n");
  return response ? response->status : -1;
}

}  // namespace popfetchd::daemon::e2e
