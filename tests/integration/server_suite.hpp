#pragma once
// ServerSuite: one Dovecot and one scratch directory (archives, configs)
// shared by the tests of a GoogleTest suite, started in SetUpTestSuite. A
// start and stop costs about 1.2 s, so a suite puts many users on one server
// instead of one server per test. (Under ctest every test runs in a process of
// its own, so there the server is per test; run the binary directly to share it.)
//
// Owns: the DovecotServer and the TempDir; stop() (and the destructor) stops
// the server and removes the directory (kept with POPFETCHD_KEEP_FIXTURES=1).
// Errors: start() keeps the fixture's error; tests check status() in SetUp()
// (DovecotSuite below does).

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "integration/mailbox.hpp"
#include "support/dovecot_server.hpp"
#include "support/temp_dir.hpp"

namespace integration {

// A poll's log lines, one per line, indented: for assertion messages.
std::string dump(const std::vector<std::string>& lines);

// Whether a TCP socket can be bound to ::1 (no IPv6 at all, or lo without ::1).
bool ipv6_loopback();

// Makes the Dovecot of `options` listen on ::1 besides 127.0.0.1 (when this
// machine has ::1), with a certificate that names it, so that a name such as
// "localhost" reaches it whichever address its resolver puts first.
void listen_on_both_loopbacks(test_support::DovecotOptions& options);

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
  // A new Dovecot user `user` (password "pw-<user>") holding varied_messages(seed);
  // a failure to create it fails the calling test (and returns an empty mailbox).
  Mailbox mailbox(const std::string& user, std::uint64_t seed);

 private:
  std::unique_ptr<test_support::DovecotServer> server_;
  std::optional<test_support::TempDir> work_;
  common::Status status_ = common::make_error(common::ErrorKind::Io, "the suite's server was not started");
};

// The fixture of a GoogleTest suite whose tests share one ServerSuite:
// started in SetUpTestSuite with Derived::options(), stopped in
// TearDownTestSuite; SetUp fails the test when it did not start, then runs
// Base's. Derived may declare (public, static) its own options() (default:
// DovecotOptions{}) and skip_reason() (default: none; when it says why the
// machine cannot run the suite, no server starts and every test skips).
// Each Derived has its own suite_ (CRTP).
template <class Derived, class Base = ::testing::Test>
class DovecotSuite : public Base {
 public:
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions defaults;  // not `return {};`: GCC 12 crashes on it here
    return defaults;
  }
  static std::string skip_reason() { return {}; }

 protected:
  static void SetUpTestSuite() {
    if (Derived::skip_reason().empty()) suite_.start(Derived::options());
  }
  static void TearDownTestSuite() { suite_.stop(); }
  void SetUp() override {
    if (const std::string why = Derived::skip_reason(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message;
    Base::SetUp();
  }
  static test_support::DovecotServer& server() { return suite_.server(); }

  static inline ServerSuite suite_;
};

}  // namespace integration
