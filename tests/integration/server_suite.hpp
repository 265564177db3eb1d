#pragma once
// ServerSuite: one Dovecot and one scratch directory (archives, configs)
// shared by the tests of a GoogleTest suite, started in SetUpTestSuite. A
// start and stop costs about 1.2 s, so a suite puts many users on one server
// instead of one server per test. (Under ctest every test runs in a process of
// its own, so there the server is per test; run the binary directly to share it.)
//
// Owns: the DovecotServer and the TempDir; stop() (and the destructor) stops
// the server and removes the directory (kept with POPFETCHD_KEEP_FIXTURES=1).
// Errors: start() keeps the fixture's error; tests check ready() in SetUp().

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "support/dovecot_server.hpp"
#include "support/temp_dir.hpp"

namespace integration {

class ServerSuite {
 public:
  void start(const test_support::DovecotOptions& options);
  void stop();

  // Ok once start() succeeded; else the reason (with Dovecot's log tail).
  const common::Status& status() const { return status_; }
  test_support::DovecotServer& server() { return *server_; }
  const std::filesystem::path& work_dir() const { return work_->path(); }
  // A fresh archive path in the work directory ("<name>.db").
  std::string database(const std::string& name) const { return (work_->path() / (name + ".db")).string(); }

 private:
  std::unique_ptr<test_support::DovecotServer> server_;
  std::optional<test_support::TempDir> work_;
  common::Status status_ = common::make_error(common::ErrorKind::Io, "the suite's server was not started");
};

}  // namespace integration
