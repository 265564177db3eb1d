// choose_auth(): which mechanism each configured method uses, table-driven
// over what the server offers and whether the connection is encrypted.
#include "pop3/auth_choice.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace pop3 {
namespace {

Capabilities with_sasl(std::vector<std::string> names) {
  Capabilities caps;
  caps.sasl = std::move(names);
  return caps;
}

std::optional<Mechanism> pick(AuthMethod method, std::vector<std::string> sasl, bool timestamp,
                              bool encrypted) {
  const Capabilities caps = with_sasl(std::move(sasl));
  return choose_auth(method, AuthContext{caps, true, timestamp, encrypted}).mechanism;
}

TEST(AuthChoice, AutoTakesTheStrongestOffered) {
  const std::vector<std::string> all = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"};
  for (bool encrypted : {false, true}) {
    EXPECT_EQ(pick(AuthMethod::Auto, all, true, encrypted), Mechanism::ScramSha256);
    EXPECT_EQ(pick(AuthMethod::Auto, {"PLAIN", "CRAM-MD5", "SCRAM-SHA-1"}, true, encrypted),
              Mechanism::ScramSha1);
    EXPECT_EQ(pick(AuthMethod::Auto, {"PLAIN", "CRAM-MD5"}, true, encrypted), Mechanism::CramMd5);
    EXPECT_EQ(pick(AuthMethod::Auto, {"PLAIN", "LOGIN"}, true, encrypted), Mechanism::Apop);
  }
  EXPECT_EQ(pick(AuthMethod::Auto, {"LOGIN", "PLAIN"}, false, true), Mechanism::SaslPlain);
  EXPECT_EQ(pick(AuthMethod::Auto, {"LOGIN"}, false, true), Mechanism::SaslLogin);
  EXPECT_EQ(pick(AuthMethod::Auto, {}, false, true), Mechanism::UserPass);
}

TEST(AuthChoice, AutoNeverChoosesClearTextWithoutEncryption) {
  for (const auto& sasl : {std::vector<std::string>{"PLAIN", "LOGIN"}, std::vector<std::string>{}}) {
    const Capabilities caps = with_sasl(sasl);
    const AuthChoice choice = choose_auth(AuthMethod::Auto, AuthContext{caps, true, false, false});
    EXPECT_FALSE(choice.mechanism);
    EXPECT_NE(choice.error.find("not sent in clear text"), std::string::npos) << choice.error;
  }
}

TEST(AuthChoice, ExplicitMethodsNeedTheirMechanism) {
  EXPECT_EQ(pick(AuthMethod::Login, {"LOGIN"}, false, false), Mechanism::SaslLogin);
  EXPECT_EQ(pick(AuthMethod::Login, {"PLAIN"}, false, true), std::nullopt);
  EXPECT_EQ(pick(AuthMethod::ScramSha1, {"SCRAM-SHA-1"}, false, false), Mechanism::ScramSha1);
  EXPECT_EQ(pick(AuthMethod::ScramSha1, {"SCRAM-SHA-256"}, true, true), std::nullopt);
  EXPECT_EQ(pick(AuthMethod::ScramSha256, {"scram-sha-256"}, false, false), Mechanism::ScramSha256);
  EXPECT_EQ(pick(AuthMethod::ScramSha256, {"CRAM-MD5"}, true, true), std::nullopt);
}

TEST(AuthChoice, BearerTokensOnlyOverTls) {
  EXPECT_EQ(pick(AuthMethod::XOAuth2, {"XOAUTH2"}, false, true), Mechanism::XOAuth2);
  EXPECT_EQ(pick(AuthMethod::OAuthBearer, {"OAUTHBEARER"}, false, true), Mechanism::OAuthBearer);
  EXPECT_EQ(pick(AuthMethod::XOAuth2, {"XOAUTH2"}, false, false), std::nullopt);
  EXPECT_EQ(pick(AuthMethod::OAuthBearer, {"OAUTHBEARER"}, false, false), std::nullopt);
  EXPECT_EQ(pick(AuthMethod::OAuthBearer, {"XOAUTH2"}, false, true), std::nullopt);
  EXPECT_EQ(pick(AuthMethod::Auto, {"XOAUTH2", "OAUTHBEARER"}, false, true), Mechanism::UserPass);
}

TEST(AuthChoice, TheSeedsMethodsKeepTheirMeaning) {
  EXPECT_EQ(pick(AuthMethod::Plain, {"PLAIN"}, false, false), Mechanism::SaslPlain);
  EXPECT_EQ(pick(AuthMethod::Plain, {"SCRAM-SHA-256"}, false, false), Mechanism::UserPass);
  EXPECT_EQ(pick(AuthMethod::CramMd5, {"CRAM-MD5"}, true, false), Mechanism::CramMd5);
  EXPECT_EQ(pick(AuthMethod::CramMd5, {"PLAIN"}, true, false), Mechanism::Apop);
  EXPECT_EQ(pick(AuthMethod::CramMd5, {"PLAIN"}, false, true), std::nullopt);
}

TEST(AuthChoice, WithoutCapaTheErrorSaysSo) {
  const Capabilities caps;
  const AuthChoice choice = choose_auth(AuthMethod::ScramSha256, AuthContext{caps, false, false, false});
  EXPECT_NE(choice.error.find("does not support CAPA"), std::string::npos) << choice.error;
}

}  // namespace
}  // namespace pop3
