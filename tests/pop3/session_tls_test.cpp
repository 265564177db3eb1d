// STLS (RFC 2595) through the Session: each TLS policy, the refusal paths
// that must not send any credential, and the plaintext-injection guard.
#include <gtest/gtest.h>

#include <string>

#include "transcript.hpp"

namespace pop3::testing {
namespace {

SessionOptions with_tls(TlsPolicy policy) {
  SessionOptions options = default_options();
  options.tls = policy;
  return options;
}

bool sent_credentials(const Harness& h) {
  return h.client_bytes.find("alice") != std::string::npos ||
         h.client_bytes.find("Secret") != std::string::npos ||
         h.client_bytes.find("AUTH") != std::string::npos;
}

TEST(SessionTls, RequiredAndOffered) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(with_tls(TlsPolicy::StartTlsRequired), mode);
    ASSERT_TRUE(h.run({
        "S: +OK ready",
        "C: CAPA",
        "S: +OK",
        "S: STLS",
        "S: SASL PLAIN",  // learnt in clear text: must be forgotten after TLS
        "S: .",
        "C: STLS",
        "S: +OK Begin TLS negotiation now.",
        "E: StartTls",
    }));
    EXPECT_EQ(h.unmatched_client, "") << "nothing may follow STLS before the handshake";
    EXPECT_FALSE(sent_credentials(h));
    ASSERT_TRUE(h.run({
        "D: tls",
        "C: CAPA",
        "S: +OK",
        "S: USER",
        "S: .",
        "E: Notice: server does not offer SASL PLAIN; falling back to USER/PASS",
        "C: USER alice",
        "S: +OK",
        "C: PASS Secret-Pw1",
    }));
  }
}

TEST(SessionTls, RequiredButNotOfferedSendsNoCredentials) {
  Harness h(with_tls(TlsPolicy::StartTlsRequired));
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: USER",
      "S: SASL PLAIN",
      "S: .",
      "E: Failed tls required: server does not offer STLS; refusing to authenticate without TLS",
  }));
  EXPECT_EQ(h.client_bytes, "CAPA\r\n");
  EXPECT_EQ(h.error->kind, SessionErrorKind::TlsRequired);
}

TEST(SessionTls, RequiredButCapaUnsupported) {
  Harness h(with_tls(TlsPolicy::StartTlsRequired));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: -ERR what?"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::TlsRequired);
  EXPECT_EQ(h.client_bytes, "CAPA\r\n");
}

TEST(SessionTls, RequiredButRefused) {
  Harness h(with_tls(TlsPolicy::StartTlsRequired));
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: STLS",
      "S: .",
      "C: STLS",
      "S: -ERR [SYS/TEMP] TLS not available right now",
      "E: Failed tls required: server refused STLS: [SYS/TEMP] TLS not available right now",
  }));
  EXPECT_EQ(h.client_bytes, "CAPA\r\nSTLS\r\n");
  EXPECT_EQ(h.error->code, ResponseCode::SysTemp);
}

TEST(SessionTls, IfAvailableButAbsentContinuesInClearText) {
  Harness h(with_tls(TlsPolicy::StartTlsIfAvailable));
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: SASL PLAIN",
      "S: .",
      "E: Notice: server does not offer STLS; continuing in clear text",
      "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=",
  }));
}

TEST(SessionTls, IfAvailableButRefusedContinuesInClearText) {
  Harness h(with_tls(TlsPolicy::StartTlsIfAvailable));
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: STLS",
      "S: .",
      "C: STLS",
      "S: -ERR not today",
      "E: Notice: server refused STLS (not today); continuing in clear text",
      "C: USER alice",
  }));
}

TEST(SessionTls, IfAvailableAndOffered) {
  Harness h(with_tls(TlsPolicy::StartTlsIfAvailable));
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS", "S: +OK", "E: StartTls",
                     "D: tls", "C: CAPA"}));
}

TEST(SessionTls, AlreadySecureNeverSendsStls) {
  Harness h(with_tls(TlsPolicy::AlreadySecure));
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: STLS", "S: SASL PLAIN", "S: .",
                     "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
}

TEST(SessionTls, BytesAfterStlsOkInTheSamePacketAreAnInjection) {
  // CVE-2011-0411 class: a man in the middle appends a fake reply to the
  // server's "+OK" so that it is read as if it came over TLS.
  Harness h(with_tls(TlsPolicy::StartTlsRequired));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS"}));
  h.server_raw("+OK Begin TLS\r\n+OK\r\nSASL PLAIN\r\n.\r\n");
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
  EXPECT_NE(h.error->message.find("after its +OK to STLS"), std::string::npos) << h.error->message;
  for (const std::string& event : h.events) EXPECT_NE(event, "StartTls") << "the driver must not start TLS";
  EXPECT_FALSE(sent_credentials(h));
}

TEST(SessionTls, PlaintextBeforeTheHandshakeIsAnInjection) {
  Harness h(with_tls(TlsPolicy::StartTlsRequired));
  ASSERT_TRUE(
      h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS", "S: +OK", "E: StartTls"}));
  h.server_raw("+OK\r\n");  // arrives before the driver called tls_established()
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
}

TEST(SessionTls, TlsEstablishedAtTheWrongTimeIsMisuse) {
  Harness h(with_tls(TlsPolicy::StartTlsRequired));
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "D: tls"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Usage);
}

}  // namespace
}  // namespace pop3::testing
