// Token refresh (auth: xoauth2 with a password_command): the server refuses
// the first access token; the command runs once more and a fresh session
// logs in with the new token. A second refusal fails the poll: one refresh,
// two connections, no loop. A token that does not come from a command is not
// asked for again.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"
#include "pop3/auth.hpp"
#include "pop3/base64.hpp"
#include "support/test_pki.hpp"

namespace hostile {
namespace {


constexpr std::string_view kFreshToken = "Fresh-Token-2b7c";
constexpr std::string_view kBearerCapa = "+OK\r\nSASL XOAUTH2\r\nUIDL\r\n.\r\n";

std::string auth_line(std::string_view token) {
  return "AUTH XOAUTH2 " + pop3::base64_encode(pop3::xoauth2_message(kUser, token));
}

FakePop3Script& greet(FakePop3Script& script) {
  return script.start_tls(test_support::TestPki::instance().good)
      .send_line("+OK ready")
      .expect("CAPA")
      .send(std::string(kBearerCapa));
}

// The token is refused the way Gmail does it: a JSON challenge, then -ERR.
FakePop3Script refusing(std::string_view token) {
  FakePop3Script script;
  greet(script)
      .expect(auth_line(token))
      .send_line("+ " + pop3::base64_encode(R"({"status":"400","schemes":"Bearer","scope":"mail"})"))
      .expect("")
      .send_line("-ERR [AUTH] Invalid credentials")
      .expect_optional("QUIT", "+OK bye\r\n")
      .close();
  return script;
}

FakePop3Script accepting(std::string_view token, const std::vector<Message>& messages) {
  FakePop3Script script;
  greet(script)
      .expect(auth_line(token))
      .send_line("+OK welcome")
      .expect("CAPA")
      .send(std::string(kBearerCapa));
  listing(script, messages);
  retrieve(script, 1, messages[0]);
  return quit(script);
}

class TokenRefresh : public HostileTest {
 protected:
  config::Account bearer_account(const FakePop3Server& server) const {
    config::Account account = account_for(server, config::Security::Tls);
    account.server = "localhost";  // the certificate's name
    account.auth = config::AuthMethod::XOAuth2;
    account.password = {
        config::PasswordSource::Kind::Command, "printf '%s\\n' " + std::string(kFreshToken), {}};
    return account;
  }

  // The real password source, run synchronously; counts the runs.
  PollTweaks tweaks() {
    PollTweaks tweaks;
    tweaks.refresh = [this](const config::PasswordSource& source, fetch::TokenDone done) {
      ++refreshes_;
      done(config::resolve_password(source));
    };
    return tweaks;
  }

  int refreshes_ = 0;
};

TEST_F(TokenRefresh, ARefusedTokenIsReplacedOnceAndTheMailFetched) {
  const std::vector<Message> messages = {message("u1", 1)};
  FakePop3Server server({refusing(kPassword), accepting(kFreshToken, messages)});
  ASSERT_TRUE(server.start().ok());
  const fetch::PollReport report = poll(bearer_account(server), tweaks());
  ASSERT_TRUE(report.ok()) << report.summary();
  EXPECT_EQ(report.new_messages, 1u);
  EXPECT_EQ(refreshes_, 1);
  ASSERT_TRUE(server.wait_finished());
  EXPECT_TRUE(server.errors().empty()) << ::testing::PrintToString(server.errors());
  EXPECT_EQ(server.connections_accepted(), 2u);
  ASSERT_EQ(stored().size(), 1u);
  EXPECT_EQ(stored()[0].raw, messages[0].raw);
  expect_no_secret_logged(report);
}

TEST_F(TokenRefresh, ASecondRefusalFailsThePollWithoutLooping) {
  FakePop3Server server({refusing(kPassword), refusing(kFreshToken)});
  ASSERT_TRUE(server.start().ok());
  const fetch::PollReport report = poll(bearer_account(server), tweaks());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error->kind, common::ErrorKind::Auth);
  EXPECT_EQ(report.retry, fetch::RetryHint::AuthFailed);
  EXPECT_THAT(report.error->message, ::testing::HasSubstr("also with a fresh token from password_command"));
  EXPECT_THAT(report.error->message, ::testing::HasSubstr("Invalid credentials"));
  EXPECT_EQ(refreshes_, 1);
  ASSERT_TRUE(server.wait_finished());
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_TRUE(server.errors().empty()) << ::testing::PrintToString(server.errors());
}

TEST_F(TokenRefresh, ATokenNotFromACommandIsNotAskedForAgain) {
  FakePop3Server server(refusing(kPassword));
  ASSERT_TRUE(server.start().ok());
  config::Account account = bearer_account(server);
  account.password = {config::PasswordSource::Kind::Env, "POPFETCHD_TEST_TOKEN", {}};
  const fetch::PollReport report = poll(account, tweaks());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error->kind, common::ErrorKind::Auth);
  EXPECT_EQ(refreshes_, 0);
  ASSERT_TRUE(server.wait_finished());
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(TokenRefresh, AFailingCommandKeepsTheFirstError) {
  FakePop3Server server(refusing(kPassword));
  ASSERT_TRUE(server.start().ok());
  config::Account account = bearer_account(server);
  account.password.value = "exit 3";
  const fetch::PollReport report = poll(account, tweaks());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error->kind, common::ErrorKind::Auth);
  EXPECT_THAT(report.error->message,
              ::testing::HasSubstr("running password_command again for a fresh token failed"));
  EXPECT_EQ(refreshes_, 1);
  EXPECT_EQ(server.connections_accepted(), 1u);
}

}  // namespace
}  // namespace hostile
