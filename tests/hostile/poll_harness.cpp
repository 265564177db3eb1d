#include "hostile/poll_harness.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "pop3/auth.hpp"
#include "pop3/base64.hpp"
#include "support/test_pki.hpp"

namespace hostile {
namespace {

std::chrono::milliseconds watchdog_limit() {
  if (const char* text = std::getenv("POPFETCHD_HOSTILE_WATCHDOG")) {
    const long seconds = std::strtol(text, nullptr, 10);
    if (seconds > 0) return std::chrono::seconds(seconds);
  }
  return kWatchdog;
}

bool printable_line(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> secret_forms(std::string_view user_view, std::string_view password_view) {
  const std::string password(password_view);
  const std::string user(user_view);
  return {password, pop3::base64_encode(password), pop3::sasl_plain_response(user, password),
          pop3::base64_encode(std::string(1, '\0') + user + '\0' + password),
          pop3::base64_encode(user + '\0' + user + '\0' + password)};
}

std::vector<std::string> secret_forms() { return secret_forms(kUser, kPassword); }

std::optional<std::string> find_secret(std::string_view bytes, const std::vector<std::string>& forms) {
  for (const std::string& form : forms) {
    if (bytes.find(form) != std::string_view::npos) return form;
  }
  return std::nullopt;
}

void HostileTest::SetUp() {
  auto dir = test_support::TempDir::create("popfetchd-hostile-");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  dir_.emplace(std::move(*dir));
  database_path_ = (dir_->path() / "archive.db").string();
  auto archive = store::Archive::open(database_path_);
  ASSERT_TRUE(archive.ok()) << archive.error().message;
  archive_.emplace(std::move(*archive));
  auto digests = net::MbedDigests::create();
  ASSERT_TRUE(digests.ok()) << digests.error().message;
  digests_ = std::move(*digests);

  log_capture_.emplace(log_);
}

void HostileTest::TearDown() {
  // The client's whole debug log, for a failing test (or any, on request).
  if (HasFailure() || std::getenv("POPFETCHD_HOSTILE_SHOW_LOG") != nullptr) {
    for (const std::string& line : log_) std::fprintf(stderr, "  log: %s\n", line.c_str());
  }
  log_capture_.reset();
  archive_.reset();
  dir_.reset();
}

config::Account HostileTest::account_for(const test_support::FakePop3Server& server,
                                         config::Security security) const {
  return account_at(server.host(), server.port(), security);
}

config::Account HostileTest::account_at(std::string host, std::uint16_t port,
                                        config::Security security) const {
  config::Account account;
  account.name = "hostile";
  account.server = std::move(host);
  account.port = port;
  account.security = security;
  account.username = std::string(kUser);
  account.auth = config::AuthMethod::Plain;
  account.ca_file = test_support::TestPki::instance().ca_file;
  account.timeout = kTimeout;
  account.keep = true;
  account.max_message_size = 10'000'000;
  account.pipelining = config::Pipelining::Auto;
  return account;
}

fetch::PollReport HostileTest::poll(const config::Account& account, PollTweaks tweaks) {
  fetch::PollOptions options;
  options.account = account;
  options.password = common::Secret(std::move(tweaks.password));
  options.database_path = database_path_;
  options.max_messages_per_poll = tweaks.max_messages_per_poll;
  options.progress = tweaks.progress;

  test_support::PollHarnessOptions extras;
  extras.refresh = std::move(tweaks.refresh);
  extras.watchdog = watchdog_limit();
  const std::optional<fetch::PollReport> report = test_support::run_one_poll(
      std::move(options), *archive_, tweaks.digests != nullptr ? *tweaks.digests : *digests_, std::move(extras));
  EXPECT_TRUE(report.has_value()) << "the poll never reported";
  return report.value_or(fetch::PollReport{});
}

HostileTest::ScriptedPoll HostileTest::poll_script(test_support::FakePop3Script script,
                                                   const std::function<void(config::Account&)>& adjust) {
  return poll_script(std::move(script), adjust, PollTweaks{});
}

HostileTest::ScriptedPoll HostileTest::poll_script(test_support::FakePop3Script script,
                                                   const std::function<void(config::Account&)>& adjust,
                                                   PollTweaks tweaks) {
  ScriptedPoll outcome;
  outcome.server = std::make_unique<test_support::FakePop3Server>(std::move(script));
  const common::Status started = outcome.server->start();
  EXPECT_TRUE(started.ok()) << started.error().message;
  if (!started) return outcome;
  config::Account account = account_for(*outcome.server);
  if (adjust) adjust(account);
  outcome.report = poll(account, std::move(tweaks));
  return outcome;
}

void HostileTest::expect_succeeded(const ScriptedPoll& outcome) {
  EXPECT_TRUE(outcome.report.ok()) << outcome.report.error->message;
  const std::vector<std::string> errors = outcome.server->errors();
  EXPECT_TRUE(errors.empty()) << errors.front();
  expect_no_secret_logged(outcome.report);
}

std::vector<StoredMessage> HostileTest::stored() {
  std::vector<StoredMessage> messages;
  const common::Status status =
      archive_->for_each_message("hostile", [&](const store::MessageSummary& summary, std::string_view raw) {
        messages.push_back({summary.uidl, std::string(raw)});
        return common::Status{};
      });
  EXPECT_TRUE(status.ok()) << status.error().message;
  return messages;
}

void HostileTest::expect_failed(const fetch::PollReport& report, common::ErrorKind kind,
                                std::string_view message_part, const test_support::FakePop3Server& server) {
  ASSERT_TRUE(report.error.has_value()) << "the poll succeeded: " << report.summary();
  EXPECT_EQ(report.error->kind, kind)
      << common::to_string(report.error->kind) << ": " << report.error->message;
  EXPECT_NE(report.error->message.find(message_part), std::string::npos) << report.error->message;
  EXPECT_TRUE(printable_line(report.error->message)) << report.error->message;
  EXPECT_EQ(report.deleted, 0u);
  EXPECT_TRUE(lines_starting_with(server, "DELE").empty()) << "a failed poll sent DELE";
  expect_no_secret_logged(report);
}

void HostileTest::expect_no_secret_logged(const fetch::PollReport& report) {
  const std::string summary = report.summary();
  const std::string error = report.error ? report.error->message : std::string();
  for (const std::string& secret : secret_forms()) {
    EXPECT_EQ(summary.find(secret), std::string::npos) << summary;
    EXPECT_EQ(error.find(secret), std::string::npos) << error;
    for (const std::string& line : log_) EXPECT_EQ(line.find(secret), std::string::npos) << line;
  }
  for (const std::string& line : log_) EXPECT_TRUE(printable_line(line)) << line;
}

void expect_password_never_sent(const test_support::FakePop3Server& server) {
  for (const std::string& line : server.received_lines()) {
    for (const std::string& secret : secret_forms()) {
      EXPECT_EQ(line.find(secret), std::string::npos) << "the server received a secret: " << line;
    }
  }
}

void expect_no_credentials_sent(const test_support::FakePop3Server& server) {
  expect_password_never_sent(server);
  for (const std::string& line : server.received_lines()) {
    EXPECT_FALSE(line.starts_with("PASS") || line.starts_with("AUTH") || line.starts_with("APOP") ||
                 line.starts_with("USER"))
        << "credentials were sent: " << line;
  }
}

std::vector<std::string> lines_starting_with(const test_support::FakePop3Server& server,
                                             std::string_view prefix) {
  std::vector<std::string> matching;
  for (std::string& line : server.received_lines()) {
    if (line.starts_with(prefix)) matching.push_back(std::move(line));
  }
  return matching;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace hostile
