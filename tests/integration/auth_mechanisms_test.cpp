// Issue 14: the SASL mechanisms added beside plain and cram-md5 against a real
// Dovecot that offers them all (auth_mechanisms = plain login cram-md5
// scram-sha-1 scram-sha-256, {PLAIN} passwords): login, scram-sha-1,
// scram-sha-256 and auto each fetch byte-exact, and Dovecot's login line
// names the mechanism that was used; a wrong password under SCRAM is an
// authentication failure. And against a Dovecot without SSL that offers only
// clear-text mechanisms, auth: auto refuses before any authentication attempt.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"
#include "support/line_client.hpp"

namespace {

using integration::dump;

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;
using ::testing::Not;

class AllMechanismsServer : public integration::DovecotSuite<AllMechanismsServer> {
 public:
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions options;
    options.auth_mechanisms = "plain login cram-md5 scram-sha-1 scram-sha-256";
    return options;
  }

 protected:
  static config::Account account_for(const integration::Mailbox& mailbox, Security security,
                                     AuthMethod auth) {
    const std::uint16_t port = security == Security::Tls ? server().pop3s_port() : server().pop3_port();
    config::Account account = integration::make_account(mailbox.user, server().host(), port, security, auth);
    if (security == Security::Tls) account.ca_file = server().ca_file().string();
    return account;
  }
};

struct Case {
  AuthMethod auth;
  Security security;
  const char* dovecot_method;
};

TEST_F(AllMechanismsServer, EachMechanismFetchesByteExact) {
  const Case cases[] = {
      {AuthMethod::Login, Security::Tls, "method=LOGIN"},
      {AuthMethod::ScramSha1, Security::Tls, "method=SCRAM-SHA-1"},
      {AuthMethod::ScramSha256, Security::Tls, "method=SCRAM-SHA-256"},
      {AuthMethod::ScramSha256, Security::None, "method=SCRAM-SHA-256"},
      {AuthMethod::Auto, Security::None, "method=SCRAM-SHA-256"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string user = "mech-" + std::to_string(n++) + "-" + std::string(config::to_string(c.auth));
    SCOPED_TRACE(user);
    auto mailbox = integration::create_mailbox(server(), user, "pw-" + user + "-Zq9,=é",
                                               integration::varied_messages(static_cast<std::uint64_t>(n)));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome = integration::run_poll(account_for(*mailbox, c.security, c.auth), mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
    EXPECT_EQ(outcome->report.new_messages, mailbox->delivered.size());
    EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
    auto login = server().wait_for_log_line(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">");
    ASSERT_TRUE(login) << server().log_text();
    EXPECT_THAT(*login, HasSubstr(c.dovecot_method));
    for (const auto& line : outcome->log) EXPECT_THAT(line, Not(HasSubstr(mailbox->password)));
  }
}

// The premise of the tests above, from the server's own CAPA before login
// (clear text; the fixture allows clear-text mechanisms there).
TEST_F(AllMechanismsServer, CapaOffersEveryMechanism) {
  auto probe = test_support::LineClient::connect(server().host(), server().pop3_port());
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  ASSERT_TRUE(probe->read_line().ok());
  ASSERT_TRUE(probe->command("CAPA").ok());
  auto capabilities = probe->read_multiline();
  ASSERT_TRUE(capabilities.ok()) << capabilities.error().message;
  (void)probe->command("QUIT");
  const std::size_t at = capabilities->find("SASL ");
  ASSERT_NE(at, std::string::npos) << *capabilities;
  const std::string sasl = capabilities->substr(at, capabilities->find_first_of("\r\n", at) - at);
  std::cout << "the test Dovecot's CAPA before login: " << sasl << "\n";
  for (const char* mechanism : {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
    EXPECT_THAT(" " + sasl + " ", HasSubstr(" " + std::string(mechanism) + " ")) << *capabilities;
  }
}

TEST_F(AllMechanismsServer, WrongPasswordUnderScramIsAnAuthFailure) {
  for (AuthMethod auth : {AuthMethod::ScramSha1, AuthMethod::ScramSha256}) {
    const std::string user = "scram-wrong-" + std::string(config::to_string(auth));
    auto mailbox =
        integration::create_mailbox(server(), user, "right-" + user, integration::varied_messages(3));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    auto outcome =
        integration::run_poll(account_for(*mailbox, Security::Tls, auth), "wrong-pw", suite_.database(user));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
    EXPECT_EQ(*server().mailbox_size(user), mailbox->delivered.size());
  }
}

// No SSL, and only clear-text mechanisms: auto must not send the password.
class ClearTextOnlyServer : public integration::DovecotSuite<ClearTextOnlyServer> {
 public:
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions options = test_support::DovecotOptions::without_ssl();
    options.auth_mechanisms = "plain login";
    return options;
  }
};

TEST_F(ClearTextOnlyServer, AutoRefusesToSendAClearTextPassword) {
  test_support::DovecotServer& server = suite_.server();
  const std::string user = "auto-clear";
  auto mailbox =
      integration::create_mailbox(server, user, "pw-auto-clear-41", integration::varied_messages(5));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  auto account =
      integration::make_account(user, server.host(), server.pop3_port(), Security::None, AuthMethod::Auto);
  auto outcome = integration::run_poll(account, mailbox->password, suite_.database(user));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok());
  EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth);
  EXPECT_THAT(outcome->report.error->message, HasSubstr("not sent in clear text"));
  EXPECT_FALSE(outcome->logged("> AUTH")) << dump(outcome->log);
  EXPECT_FALSE(outcome->logged("> USER")) << dump(outcome->log);
  EXPECT_TRUE(server.wait_for_log_line("no auth attempts")) << server.log_text();
  EXPECT_THAT(server.log_text(), Not(HasSubstr("user=<" + user + ">")));
}

}  // namespace
