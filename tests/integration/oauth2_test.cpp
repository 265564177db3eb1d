// Issue 14: xoauth2 and oauthbearer against a real Dovecot whose `oauth2`
// passdb asks a token-introspection endpoint (tests/support's
// oauth2_introspection.py, started on 127.0.0.1) about each token. Each
// mechanism fetches byte-exact; a token the endpoint does not know is refused
// as an authentication failure and nothing is fetched.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"
#include "support/child_process.hpp"
#include "support/dovecot_config.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;

const std::vector<std::string> kUsers = {"oauth-xoauth2", "oauth-oauthbearer", "oauth-wrong"};
std::string token_of(const std::string& user) { return "tok-" + user + "-8f3a"; }

// Starts the endpoint and reads its "port N" line from its stderr.
std::optional<std::uint16_t> start_endpoint(std::optional<test_support::ChildProcess>& child,
                                            const std::filesystem::path& dir) {
  std::vector<std::string> argv = {POPFETCHD_TEST_PYTHON3, POPFETCHD_OAUTH2_ENDPOINT};
  for (const std::string& user : kUsers) {
    if (user != "oauth-wrong") argv.push_back(token_of(user) + "=" + user);
  }
  test_support::SpawnOptions options;
  options.output_file = dir / "introspection.log";
  options.pipe_stderr = true;
  auto spawned = test_support::ChildProcess::spawn(argv, options);
  if (!spawned.ok()) return std::nullopt;
  child.emplace(std::move(*spawned));
  std::string line;
  char c = 0;
  while (::read(child->stderr_fd(), &c, 1) == 1 && c != '\n') line += c;
  if (!line.starts_with("port ")) return std::nullopt;
  return static_cast<std::uint16_t>(std::stoi(line.substr(5)));
}

class OAuth2Server : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = test_support::TempDir::create("popfetchd-oauth2");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_.emplace(std::move(*dir));
    std::filesystem::permissions(dir_->path(), std::filesystem::perms::owner_all |
                                                   std::filesystem::perms::group_exec |
                                                   std::filesystem::perms::others_exec);
    const std::optional<std::uint16_t> port = start_endpoint(endpoint_, dir_->path());
    ASSERT_TRUE(port) << "the introspection endpoint did not start";
    test_support::DovecotOptions options;
    options.auth_mechanisms = "plain xoauth2 oauthbearer";
    options.oauth2_introspection_url = "http://127.0.0.1:" + std::to_string(*port) + "/introspect";
    suite_.start(options);
  }
  static void TearDownTestSuite() {
    suite_.stop();
    endpoint_.reset();
    dir_.reset();
  }
  void SetUp() override { ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message; }
  static test_support::DovecotServer& server() { return suite_.server(); }

  static config::Account account_for(const std::string& user, AuthMethod auth) {
    config::Account account =
        integration::make_account(user, server().host(), server().pop3s_port(), Security::Tls, auth);
    account.ca_file = server().ca_file().string();
    return account;
  }

  static integration::ServerSuite suite_;
  static std::optional<test_support::TempDir> dir_;
  static std::optional<test_support::ChildProcess> endpoint_;
};
integration::ServerSuite OAuth2Server::suite_;
std::optional<test_support::TempDir> OAuth2Server::dir_;
std::optional<test_support::ChildProcess> OAuth2Server::endpoint_;

TEST_F(OAuth2Server, EachBearerMechanismFetchesByteExact) {
  const std::pair<AuthMethod, const char*> cases[] = {{AuthMethod::XOAuth2, "oauth-xoauth2"},
                                                      {AuthMethod::OAuthBearer, "oauth-oauthbearer"}};
  std::uint64_t seed = 40;
  for (const auto& [auth, user] : cases) {
    SCOPED_TRACE(user);
    auto mailbox = integration::create_mailbox(server(), user, "unused-pw-" + std::string(user),
                                               integration::varied_messages(++seed));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome = integration::run_poll(account_for(user, auth), token_of(user), db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << "\n" << server().log_text();
    EXPECT_EQ(outcome->report.new_messages, mailbox->delivered.size());
    EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
    auto login = server().wait_for_log_line(test_support::DovecotServer::login_log_prefix() + "user=<" + std::string(user) + ">");
    ASSERT_TRUE(login) << server().log_text();
    EXPECT_THAT(*login, HasSubstr(auth == AuthMethod::XOAuth2 ? "method=XOAUTH2" : "method=OAUTHBEARER"));
    for (const auto& line : outcome->log) EXPECT_THAT(line, ::testing::Not(HasSubstr(token_of(user))));
  }
}

TEST_F(OAuth2Server, AnUnknownTokenIsRefused) {
  const std::string user = "oauth-wrong";
  auto mailbox =
      integration::create_mailbox(server(), user, "unused-pw-wrong", integration::varied_messages(3));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  for (AuthMethod auth : {AuthMethod::XOAuth2, AuthMethod::OAuthBearer}) {
    auto outcome = integration::run_poll(account_for(user, auth), token_of(user), suite_.database(user));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
    EXPECT_EQ(outcome->report.retry, fetch::RetryHint::AuthFailed);
    // Dovecot sends its JSON error challenge first; the answer to it lets the -ERR come.
    EXPECT_THAT(outcome->report.error->message, HasSubstr("the server's error: {"))
        << outcome->report.error->message;
    EXPECT_EQ(*server().mailbox_size(user), mailbox->delivered.size());
  }
}

}  // namespace
