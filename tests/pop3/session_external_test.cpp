// Golden transcripts of SASL EXTERNAL (RFC 4422 appendix A): the empty
// authorization identity sent as "=", the server's verdict, and the refusals
// (no TLS, mechanism not listed) before AUTH is sent.
#include <gtest/gtest.h>

#include <string>

#include "pop3/auth_choice.hpp"
#include "transcript.hpp"

namespace pop3::testing {
namespace {

SessionOptions external_options() {
  SessionOptions options = default_options();
  options.auth = AuthMethod::External;
  options.password = common::Secret(std::string());  // EXTERNAL needs none
  options.tls_from_start = true;
  return options;
}

TEST(SessionExternal, SendsAnEmptyAuthorizationIdentity) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(external_options(), mode);
    ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN EXTERNAL", "S: .",
                       "C: AUTH EXTERNAL =", "S: +OK Logged in.", "C: CAPA"}));
    EXPECT_FALSE(h.error);
    EXPECT_FALSE(contains(h.client_bytes, "alice")) << "the user comes from the certificate";
  }
}

TEST(SessionExternal, ARefusalIsAnAuthenticationFailure) {
  Harness h(external_options());
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL EXTERNAL", "S: .", "C: AUTH EXTERNAL =",
                     "S: -ERR [AUTH] Authentication failed."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Auth);
  EXPECT_TRUE(contains(h.error->message, "Authentication failed")) << h.error->message;
  EXPECT_TRUE(contains(h.error->message, "did not accept the TLS client certificate")) << h.error->message;
}

TEST(SessionExternal, AChallengeAfterTheInitialResponseIsAProtocolError) {
  Harness h(external_options());
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL EXTERNAL", "S: .", "C: AUTH EXTERNAL =",
                     "S: + "}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
}

TEST(SessionExternal, NotListedIsUnavailableAndNothingIsSent) {
  Harness h(external_options());
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN SCRAM-SHA-256", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_TRUE(contains(h.error->message, "the server does not offer SASL EXTERNAL")) << h.error->message;
  EXPECT_TRUE(contains(h.error->message, "PLAIN SCRAM-SHA-256")) << h.error->message;
  EXPECT_FALSE(contains(h.client_bytes, "AUTH"));
}

TEST(SessionExternal, WithoutCapaIsUnavailable) {
  Harness h(external_options());
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: -ERR no"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_FALSE(contains(h.client_bytes, "AUTH"));
}

TEST(SessionExternal, NeedsTls) {
  SessionOptions options = external_options();
  options.tls_from_start = false;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL EXTERNAL", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_TRUE(contains(h.error->message, "not encrypted")) << h.error->message;
  EXPECT_FALSE(contains(h.client_bytes, "AUTH"));
}

TEST(SessionExternal, SentAfterStls) {
  SessionOptions options = external_options();
  options.tls_from_start = false;
  options.tls = TlsPolicy::StartTlsRequired;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS", "S: +OK go", "D: tls",
                     "C: CAPA", "S: +OK", "S: SASL EXTERNAL", "S: .", "C: AUTH EXTERNAL =", "S: +OK in",
                     "C: CAPA"}));
  EXPECT_FALSE(h.error);
}

TEST(SessionExternal, AutoNeverPicksExternal) {
  Capabilities caps;
  caps.sasl = {"EXTERNAL"};
  const AuthChoice choice = choose_auth(AuthMethod::Auto, AuthContext{caps, true, false, true});
  EXPECT_NE(choice.mechanism, Mechanism::External);
}

}  // namespace
}  // namespace pop3::testing
