// RFC 6856 UTF8 (issue 11 item 17): when CAPA lists UTF8 the session sends
// it in the AUTHORIZATION state, before credentials (after the CAPA that
// follows STLS when STLS is used); a -ERR to it is only a Notice.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transcript.hpp"

namespace pop3::testing {
namespace {

TEST(SessionUtf8, SentBeforeAuthenticationWhenCapaListsIt) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    ASSERT_TRUE(h.run({
        "S: +OK Courier ready",
        "C: CAPA",
        "S: +OK",
        "S: SASL PLAIN",
        "S: UTF8 USER",
        "S: UIDL",
        "S: .",
        "C: UTF8",
        "S: +OK UTF8 enabled",
        "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=",
        "S: +OK",
        "C: CAPA",
        "S: -ERR",
        "C: LIST",
    }));
    EXPECT_EQ(h.sent, (std::vector<std::string>{"CAPA", "UTF8", "AUTH PLAIN ***", "CAPA", "LIST"}));
    EXPECT_EQ(h.events, (std::vector<std::string>{"Authenticated pipelining=0 caps=SASL(PLAIN) UIDL UTF8"}));
    EXPECT_FALSE(h.error);
  }
}

TEST(SessionUtf8, ErrToUtf8IsANotice) {
  Harness h;
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: UTF8", "S: .", "C: UTF8", "S: -ERR not now",
                     "E: Notice: server refused UTF8: not now", "C: USER alice"}));
  EXPECT_EQ(h.session().awaiting(), "USER alice");
  EXPECT_FALSE(h.error);
}

TEST(SessionUtf8, NotSentWhenCapaDoesNotListIt) {
  Harness h;
  ASSERT_TRUE(h.run(
      {"S: +OK", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .", "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
  EXPECT_EQ(h.client_bytes.find("UTF8"), std::string::npos);
}

TEST(SessionUtf8, AfterStlsOnlyTheCapaOverTlsCounts) {
  SessionOptions options = default_options();
  options.tls = TlsPolicy::StartTlsRequired;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: STLS", "S: UTF8", "S: .", "C: STLS", "S: +OK",
                     "E: StartTls", "D: tls", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: UTF8", "S: .",
                     "C: UTF8", "S: +OK", "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
  EXPECT_EQ(h.sent, (std::vector<std::string>{"CAPA", "STLS", "CAPA", "UTF8", "AUTH PLAIN ***"}));

  Harness without(options);
  ASSERT_TRUE(
      without.run({"S: +OK", "C: CAPA", "S: +OK", "S: STLS", "S: UTF8", "S: .", "C: STLS", "S: +OK", "D: tls",
                   "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .", "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
  EXPECT_EQ(without.client_bytes.find("UTF8"), std::string::npos) << "the clear-text CAPA is forgotten";
}

TEST(SessionUtf8, UnexpectedReplyToUtf8FailsTheSession) {
  Harness h;
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: UTF8", "S: .", "C: UTF8", "S: + challenge?"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
}

}  // namespace
}  // namespace pop3::testing
