// Golden transcripts of the bearer-token mechanisms, XOAUTH2 and OAUTHBEARER
// (RFC 7628): the messages they send, a token too long for the AUTH line, the
// server's error challenge answered as each mechanism says, and the refusals
// (no TLS, mechanism not listed) before the token is sent.
#include <gtest/gtest.h>

#include <string>

#include "pop3/auth.hpp"
#include "pop3/base64.hpp"
#include "transcript.hpp"

namespace pop3::testing {
namespace {

SessionOptions bearer_options(AuthMethod method) {
  SessionOptions options = default_options();
  options.auth = method;
  options.tls_from_start = true;
  options.host = "mail.example.com";
  options.port = 995;
  return options;
}

constexpr std::string_view kXoauth2Initial =
    "C: AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciBTZWNyZXQtUHcxAQE=";  // user=alice^Aauth=Bearer
                                                                         // Secret-Pw1^A^A
constexpr std::string_view kOauthbearerInitial =
    "C: AUTH OAUTHBEARER "
    "bixhPWFsaWNlLAFob3N0PW1haWwuZXhhbXBsZS5jb20BcG9ydD05OTUBYXV0aD1CZWFyZXIgU2VjcmV0LVB3MQEB";
// {"status":"401","schemes":"bearer","scope":"mail"}
constexpr std::string_view kErrorChallenge =
    "S: + eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";

TEST(SessionBearer, Messages) {
  EXPECT_EQ(xoauth2_message("alice@example.com", "tok"),
            "user=alice@example.com\x01"
            "auth=Bearer tok\x01\x01");
  EXPECT_EQ(base64_encode(oauthbearer_message("a=b,c", "h", 1, "t")),
            "bixhPWE9M0RiPTJDYywBaG9zdD1oAXBvcnQ9MQFhdXRoPUJlYXJlciB0AQE=");
}

TEST(SessionBearer, Xoauth2SendsTheTokenAsInitialResponse) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(bearer_options(AuthMethod::XOAuth2), mode);
    ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN XOAUTH2", "S: .", kXoauth2Initial,
                       "S: +OK Logged in.", "C: CAPA"}));
    EXPECT_FALSE(h.error);
    EXPECT_EQ(h.sent[1], "AUTH XOAUTH2 ***");
  }
}

TEST(SessionBearer, OauthbearerNamesUserHostAndPort) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(bearer_options(AuthMethod::OAuthBearer), mode);
    ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL OAUTHBEARER", "S: .",
                       kOauthbearerInitial, "S: +OK Logged in.", "C: CAPA"}));
    EXPECT_FALSE(h.error);
  }
}

TEST(SessionBearer, ALongTokenAnswersTheEmptyChallenge) {
  SessionOptions options = bearer_options(AuthMethod::XOAuth2);
  const std::string token(600, 'T');
  options.password = common::Secret(token);
  Harness h(options);
  const std::string response = "C: " + base64_encode(xoauth2_message("alice", token));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL XOAUTH2", "S: .", "C: AUTH XOAUTH2",
                     "S: + ", response, "S: +OK Logged in.", "C: CAPA"}));
  EXPECT_FALSE(h.error);
  for (const std::string& event : h.events) EXPECT_FALSE(contains(event, "TTTT")) << event;
}

TEST(SessionBearer, Xoauth2ErrorChallengeGetsAnEmptyAnswer) {
  Harness h(bearer_options(AuthMethod::XOAuth2));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL XOAUTH2", "S: .", kXoauth2Initial,
                     kErrorChallenge, "C: ", "S: -ERR [AUTH] Authentication failed."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Auth);
  EXPECT_TRUE(contains(h.error->message, "\"status\":\"401\"")) << h.error->message;
  EXPECT_TRUE(contains(h.error->message, "Authentication failed")) << h.error->message;
  EXPECT_TRUE(h.unmatched_client.empty()) << h.unmatched_client;
}

TEST(SessionBearer, OauthbearerErrorChallengeGetsAControlA) {
  Harness h(bearer_options(AuthMethod::OAuthBearer));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL OAUTHBEARER", "S: .", kOauthbearerInitial,
                     kErrorChallenge, "C: AQ==", "S: -ERR Authentication failed."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Auth);
  EXPECT_TRUE(contains(h.error->message, "bearer")) << h.error->message;
}

TEST(SessionBearer, ASecondErrorChallengeIsAProtocolError) {
  Harness h(bearer_options(AuthMethod::XOAuth2));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL XOAUTH2", "S: .", kXoauth2Initial,
                     kErrorChallenge, "C: ", kErrorChallenge}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
}

TEST(SessionBearer, NeverSendsATokenWithoutTls) {
  for (AuthMethod method : {AuthMethod::XOAuth2, AuthMethod::OAuthBearer}) {
    SessionOptions options = bearer_options(method);
    options.tls_from_start = false;
    Harness h(options);
    ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL XOAUTH2 OAUTHBEARER", "S: ."}));
    ASSERT_TRUE(h.error);
    EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
    EXPECT_TRUE(contains(h.error->message, "not sent in clear text")) << h.error->message;
    EXPECT_FALSE(contains(h.client_bytes, "AUTH"));
    EXPECT_TRUE(h.unmatched_client.empty());
  }
}

TEST(SessionBearer, SentAfterStls) {
  SessionOptions options = bearer_options(AuthMethod::XOAuth2);
  options.tls_from_start = false;
  options.tls = TlsPolicy::StartTlsRequired;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS", "S: +OK go", "D: tls",
                     "C: CAPA", "S: +OK", "S: SASL XOAUTH2", "S: .", kXoauth2Initial}));
  EXPECT_FALSE(h.error);
}

TEST(SessionBearer, NotListedIsUnavailable) {
  Harness h(bearer_options(AuthMethod::OAuthBearer));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN XOAUTH2", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_TRUE(contains(h.error->message, "not OAUTHBEARER; the access token was not sent"))
      << h.error->message;
}

}  // namespace
}  // namespace pop3::testing
