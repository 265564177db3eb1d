#include "support/postgres_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include "support/child_process.hpp"
#include "support/files.hpp"

namespace test_support {
namespace {

namespace fs = std::filesystem;
using common::ErrorKind;
using common::make_error;

// "nobody": initdb and postgres will not run as root.
constexpr uid_t kServerUid = 65534;
constexpr gid_t kServerGid = 65534;

bool as_root() { return ::geteuid() == 0; }

// Prefixes a command so that it runs as the server's owner, in `cwd` (the
// server must be able to read its working directory).
std::vector<std::string> owner_command(const std::vector<std::string>& argv, const fs::path& cwd) {
  std::string line = "cd '" + cwd.string() + "' && exec";
  for (const auto& a : argv) line += " '" + a + "'";
  std::vector<std::string> out;
  if (as_root()) {
    out = {"/usr/bin/setpriv", "--reuid=" + std::to_string(kServerUid), "--regid=" + std::to_string(kServerGid),
           "--clear-groups", "--"};
  }
  out.insert(out.end(), {"/bin/sh", "-c", line});
  return out;
}

}  // namespace

std::optional<fs::path> PostgresServer::bin_dir() {
  std::optional<fs::path> best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(c) != 0; }))
      continue;
    if (!fs::exists(entry.path() / "bin" / "initdb")) continue;
    if (const int v = std::stoi(name); v > best_version) {
      best_version = v;
      best = entry.path() / "bin";
    }
  }
  return best;
}

common::Result<PostgresServer> PostgresServer::start() {
  auto bin = bin_dir();
  if (!bin) return make_error(ErrorKind::Io, "PostgreSQL is not installed (apt-get install postgresql)");
  auto dir = TempDir::create("popfetchd-pg-");
  if (!dir) return dir.error();
  // The owner must reach its directory; the tests (root) reach everything.
  if (::chmod(dir->path().c_str(), 0755) != 0) return make_error(ErrorKind::Io, "chmod " + dir->path().string());
  if (as_root()) {
    if (auto s = change_owner(dir->path(), kServerUid, kServerGid); !s) return s.error();
  }
  PostgresServer server(std::move(*dir), *bin);
  const fs::path data = server.dir_->path() / "data";
  if (auto s = server.run_as_owner({(server.bin_ / "initdb").string(), "-D", data.string(), "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                                   "initdb");
      !s) {
    return s.error();
  }
  const std::string conf = "listen_addresses = ''\nunix_socket_directories = '" + server.socket_dir().string() +
                           "'\nfsync = off\nfull_page_writes = off\nsynchronous_commit = on\n"
                           "max_connections = 50\nshared_buffers = 16MB\n";
  const std::string existing = read_file(data / "postgresql.conf");
  if (auto s = replace_file(data / "postgresql.conf", existing + conf, 0600); !s) return s.error();
  if (as_root()) {
    if (auto s = change_owner(data / "postgresql.conf", kServerUid, kServerGid); !s) return s.error();
  }
  if (auto s = server.run_as_owner({(server.bin_ / "pg_ctl").string(), "-D", data.string(), "-l",
                                    (server.dir_->path() / "server.log").string(), "-w", "start"},
                                   "pg_ctl start");
      !s) {
    return make_error(ErrorKind::Io,
                      s.error().message + "; log: " + tail_lines(read_file(server.dir_->path() / "server.log"), 5));
  }
  server.running_ = true;
  return server;
}

PostgresServer::PostgresServer(PostgresServer&& other) noexcept
    : dir_(std::move(other.dir_)), bin_(std::move(other.bin_)), running_(std::exchange(other.running_, false)) {
  other.dir_.reset();
}

PostgresServer::~PostgresServer() { (void)stop(); }

common::Status PostgresServer::stop() {
  if (!running_) return {};
  running_ = false;
  return run_as_owner({(bin_ / "pg_ctl").string(), "-D", (dir_->path() / "data").string(), "-m", "fast", "-w",
                       "stop"},
                      "pg_ctl stop");
}

common::Status PostgresServer::stop_immediately() {
  if (!running_) return {};
  running_ = false;
  return run_as_owner({(bin_ / "pg_ctl").string(), "-D", (dir_->path() / "data").string(), "-m", "immediate", "-w",
                       "stop"},
                      "pg_ctl stop -m immediate");
}

common::Status PostgresServer::start_again() {
  if (running_) return {};
  if (auto s = run_as_owner({(bin_ / "pg_ctl").string(), "-D", (dir_->path() / "data").string(), "-l",
                             (dir_->path() / "server.log").string(), "-w", "start"},
                            "pg_ctl start");
      !s) {
    return s;
  }
  running_ = true;
  return {};
}

fs::path PostgresServer::socket_dir() const { return dir_->path(); }

std::string PostgresServer::uri(std::string_view name) const {
  return "postgresql:///" + std::string(name) + "?host=" + socket_dir().string() + "&user=postgres";
}

common::Result<std::string> PostgresServer::psql(std::string_view name, std::string_view sql) {
  auto run = ChildProcess::run_captured({(bin_ / "psql").string(), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                                         "-d", uri(name), "-c", std::string(sql)},
                                        dir_->path());
  if (!run) return run.error();
  if (run->exit_code() != 0) return make_error(ErrorKind::Io, "psql: " + std::string(sql) + ": " + run->err);
  return run->out;
}

common::Result<std::string> PostgresServer::create_database(std::string_view name) {
  if (auto out = psql("postgres", "CREATE DATABASE " + std::string(name)); !out) return out.error();
  return uri(name);
}

common::Status PostgresServer::run_as_owner(const std::vector<std::string>& argv, std::string_view what) {
  auto run = ChildProcess::run_captured(owner_command(argv, dir_->path()), dir_->path());
  if (!run) return run.error();
  if (run->exit_code() != 0) {
    return make_error(ErrorKind::Io, std::string(what) + " failed: " + tail_lines(run->err + run->out, 5));
  }
  return {};
}

PostgresServer* shared_postgres(std::string* error) {
  static auto server = []() -> std::pair<std::unique_ptr<PostgresServer>, std::string> {
    auto started = PostgresServer::start();
    if (!started) return {nullptr, started.error().message};
    return {std::make_unique<PostgresServer>(std::move(*started)), ""};
  }();
  if (error != nullptr) *error = server.second;
  return server.first.get();
}

common::Result<std::string> fresh_postgres_database() {
  std::string error;
  PostgresServer* server = shared_postgres(&error);
  if (server == nullptr) return make_error(ErrorKind::Io, "no PostgreSQL for the tests: " + error);
  static int counter = 0;
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  return server->create_database(name);
}

}  // namespace test_support
