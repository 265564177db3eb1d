#include "integration/poll_harness.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <memory>
#include <optional>
#include <utility>

#include "common/log.hpp"
#include "fetch/account_poll.hpp"
#include "fetch/archive_writer.hpp"
#include "net/mbed_digests.hpp"
#include "net/uv.hpp"
#include "store/archive.hpp"

namespace integration {
namespace {

// Captures the log for the length of one poll, then restores stderr and the
// level, also on an early return.
class LogCapture {
 public:
  explicit LogCapture(std::vector<std::string>& lines) : previous_level_(common::log_level()) {
    common::set_log_level(common::LogLevel::Debug);
    common::set_log_sink([&lines](std::string_view line) { lines.emplace_back(line); });
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() {
    common::set_log_sink({});
    common::set_log_level(previous_level_);
  }

 private:
  common::LogLevel previous_level_;
};

}  // namespace

config::Account make_account(const std::string& name, const std::string& server, std::uint16_t port,
                             config::Security security, config::AuthMethod auth) {
  config::Account account;
  account.name = name;
  account.server = server;
  account.port = port;
  account.security = security;
  account.auth = auth;
  account.username = name;
  // A test that hangs on a silent server should fail, not wait a minute.
  account.timeout = std::chrono::seconds(15);
  return account;
}

bool PollOutcome::logged(const std::string& needle) const {
  for (const auto& line : log) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

common::Result<PollOutcome> run_poll(const config::Account& account, const std::string& password,
                                     const std::string& database, std::shared_ptr<net::TlsSessionCache> tls_sessions) {
  auto digests = net::MbedDigests::create();
  if (!digests) return digests.error();
  auto archive = store::Archive::open(database);
  if (!archive) return archive.error();

  PollOutcome outcome;
  std::optional<fetch::PollReport> report;
  {
    LogCapture capture(outcome.log);
    net::UvLoop loop;  // before the writer: closing it frees the writer's timer
    auto writer = std::make_unique<fetch::ArchiveWriter>(loop.get(), *archive, fetch::ArchiveWriter::Limits{});
    fetch::PollOptions options;
    options.account = account;
    options.password = common::Secret(password);
    options.database_path = database;
    options.tls_sessions = std::move(tls_sessions);
    auto poll =
        std::make_unique<fetch::AccountPoll>(loop.get(), std::move(options), *writer, **digests,
                                             [&report](fetch::PollReport done) { report = std::move(done); });
    poll->start();
    uv_run(loop.get(), UV_RUN_DEFAULT);
    (void)writer->commit();  // as poll-once does; the poll has committed its own messages already
    poll.reset();
    writer.reset();  // closes its timer; the loop's close() below lets libuv free it
    if (loop.close() != 0) ADD_FAILURE() << "the poll left libuv handles open: " << loop.leaked_handles();
  }
  if (!report)
    return common::make_error(common::ErrorKind::Aborted, "the poll never reported (loop ran dry)");
  outcome.report = std::move(*report);
  return outcome;
}

}  // namespace integration
