#pragma once
// PostgresServer: a private PostgreSQL for the tests. initdb into a temporary
// directory, listening only on a Unix socket in that directory
// (listen_addresses = ''), started with `pg_ctl -w` and stopped with
// `pg_ctl -m fast` by stop() or the destructor. Trust authentication for the
// superuser "postgres": nothing but this machine's users can reach the socket.
//
// The server binaries come from the newest /usr/lib/postgresql/<version>/bin
// (Debian keeps them off PATH; package postgresql). initdb and postgres refuse
// to run as root: under root they run as "nobody" (setpriv), and the directory
// is theirs. fsync is off: the tests check the order of COMMIT and DELE, not
// the disk, and a test's cluster dies with it anyway.
//
// shared_postgres() gives one server per test binary, started at first use;
// create_database() a fresh database per test. Owns the directory and the
// server process. Errors: Io (a program failed; the message has its output).

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "support/temp_dir.hpp"

namespace test_support {

class PostgresServer {
 public:
  // initdb + pg_ctl start.
  static common::Result<PostgresServer> start();

  PostgresServer(PostgresServer&& other) noexcept;
  PostgresServer& operator=(PostgresServer&&) = delete;
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  // pg_ctl stop -m fast; idempotent. The directory stays until destruction.
  common::Status stop();
  // pg_ctl stop -m immediate: the server quits without a checkpoint, as in a
  // crash (sessions cut, crash recovery at the next start). Idempotent.
  common::Status stop_immediately();
  bool running() const { return running_; }
  // pg_ctl start again after stop(), same data and socket.
  common::Status start_again();

  // The directory holding the socket (the "host" of a connection string).
  std::filesystem::path socket_dir() const;
  // CREATE DATABASE `name` (letters, digits, '_') and its connection URI,
  // "postgresql:///<name>?host=<socket dir>&user=postgres".
  common::Result<std::string> create_database(std::string_view name);
  // The URI of database `name` (which need not exist).
  std::string uri(std::string_view name) const;

  // Runs one SQL command in database `name` with psql; its output.
  common::Result<std::string> psql(std::string_view name, std::string_view sql);

  // The directory of initdb/pg_ctl/postgres/psql; nullopt when none is installed.
  static std::optional<std::filesystem::path> bin_dir();

 private:
  PostgresServer(TempDir dir, std::filesystem::path bin) : dir_(std::move(dir)), bin_(std::move(bin)) {}
  common::Status run_as_owner(const std::vector<std::string>& argv, std::string_view what);

  std::optional<TempDir> dir_;
  std::filesystem::path bin_;
  bool running_ = false;
};

// One server for the whole test binary, started on first call; nullptr and
// `error` set when it cannot start.
PostgresServer* shared_postgres(std::string* error = nullptr);

// A fresh database on the shared server named after the running test, or an
// error naming why there is none.
common::Result<std::string> fresh_postgres_database();

}  // namespace test_support
