#include "integration/poll_harness.hpp"

#include <optional>
#include <utility>

#include "net/mbed_digests.hpp"
#include "store/archive.hpp"
#include "support/poll_harness.hpp"

namespace integration {

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
    test_support::LogCapture capture(outcome.log);
    fetch::PollOptions options;
    options.account = account;
    options.password = common::Secret(password);
    options.database_path = database;
    options.tls_sessions = std::move(tls_sessions);
    report = test_support::run_one_poll(std::move(options), *archive, **digests);
  }
  if (!report)
    return common::make_error(common::ErrorKind::Aborted, "the poll never reported (loop ran dry)");
  outcome.report = std::move(*report);
  return outcome;
}

}  // namespace integration
