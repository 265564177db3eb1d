// Golden transcripts of the SASL mechanisms added beside PLAIN and CRAM-MD5:
// LOGIN (its two base64 answers), SCRAM-SHA-1 (the RFC 5802 §5 exchange,
// computed with the real digests, the nonce fixed) and the refusals: a forged
// server signature, a +OK without a server signature, a mechanism the server
// does not list, auto on an unencrypted connection.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fake_digests.hpp"
#include "net/mbed_digests.hpp"
#include "pop3/base64.hpp"
#include "transcript.hpp"

namespace pop3::testing {
namespace {

const Digests& real_digests() {
  static const std::unique_ptr<net::MbedDigests> digests = [] {
    auto created = net::MbedDigests::create();
    return created ? std::move(*created) : nullptr;
  }();
  return *digests;
}

// RFC 5802 §5: user "user", password "pencil", client nonce fyko+d2lbbFgONRv9qkxdawL.
SessionOptions scram_options() {
  SessionOptions options = default_options();
  options.username = "user";
  options.password = common::Secret("pencil");
  options.auth = AuthMethod::ScramSha1;
  return options;
}

void use_rfc5802_nonce(Harness& h) {
  h.digests().use_for_scram(&real_digests(), *base64_decode("fyko+d2lbbFgONRv9qkxdawL"));
}

constexpr std::string_view kClientFirst =
    "C: AUTH SCRAM-SHA-1 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM";
constexpr std::string_view kServerFirst =
    "S: + cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==";
constexpr std::string_view kClientFinal =
    "C: "
    "Yz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMM3JmY05IWUpZMVpWdldWczdqLHA9djBYOHYzQnoyVDBDSkdiSlF5RjBYK0hJ"
    "NFRzPQ==";

TEST(SessionSasl, ScramSha1Rfc5802Exchange) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(scram_options(), mode);
    use_rfc5802_nonce(h);
    ASSERT_TRUE(h.run({
        "S: +OK ready",
        "C: CAPA",
        "S: +OK",
        "S: SASL PLAIN SCRAM-SHA-1",
        "S: .",
        kClientFirst,
        kServerFirst,
        kClientFinal,
        "S: + dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS1E9",  // v=rmF9pqV8S7suAoZWja4dJRkFsKQ=
        "C: ",
        "S: +OK Logged in.",
        "C: CAPA",
    }));
    EXPECT_FALSE(h.error);
    EXPECT_FALSE(contains(h.client_bytes, "pencil"));
    EXPECT_FALSE(contains(h.client_bytes, "cGVuY2ls"));
    EXPECT_EQ(h.sent[1], "AUTH SCRAM-SHA-1 ***");
  }
}

TEST(SessionSasl, ForgedScramServerSignatureFailsAsAuth) {
  Harness h(scram_options());
  use_rfc5802_nonce(h);
  ASSERT_TRUE(h.run({
      "S: +OK ready", "C: CAPA", "S: +OK", "S: SASL SCRAM-SHA-1", "S: .", kClientFirst, kServerFirst,
      kClientFinal,
      "S: + dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS0E9",  // v= one character off
  }));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Auth);
  EXPECT_TRUE(contains(h.error->message, "could not prove it knows the password")) << h.error->message;
  EXPECT_TRUE(h.unmatched_client.empty()) << h.unmatched_client;  // no empty "go on" response
}

TEST(SessionSasl, ScramOkWithoutServerSignatureFailsAsAuth) {
  Harness h(scram_options());
  use_rfc5802_nonce(h);
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: SASL SCRAM-SHA-1",
      "S: .",
      kClientFirst,
      kServerFirst,
      kClientFinal,
      "S: +OK welcome anyway",
  }));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Auth);
  EXPECT_TRUE(contains(h.error->message, "did not prove it knows the password")) << h.error->message;
  EXPECT_FALSE(h.authenticated);
}

TEST(SessionSasl, ScramWithoutRandomBytesSendsNothing) {
  Harness h(scram_options());  // FakeDigests without use_for_scram(): no random source
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL SCRAM-SHA-1", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Usage);
  EXPECT_TRUE(h.unmatched_client.empty());
}

TEST(SessionSasl, ScramNotListedIsUnavailable) {
  SessionOptions options = scram_options();
  options.auth = AuthMethod::ScramSha256;
  Harness h(options);
  use_rfc5802_nonce(h);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN SCRAM-SHA-1", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_TRUE(contains(h.error->message, "not SCRAM-SHA-256")) << h.error->message;
  EXPECT_TRUE(h.unmatched_client.empty());
}

TEST(SessionSasl, LoginAnswersUserNameThenPassword) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    SessionOptions options = default_options();
    options.auth = AuthMethod::Login;
    Harness h(options, mode);
    ASSERT_TRUE(h.run({
        "S: +OK ready",
        "C: CAPA",
        "S: +OK",
        "S: SASL PLAIN LOGIN",
        "S: .",
        "C: AUTH LOGIN",
        "S: + VXNlcm5hbWU6",    // "Username:"
        "C: YWxpY2U=",          // "alice"
        "S: + UGFzc3dvcmQ6",    // "Password:"
        "C: U2VjcmV0LVB3MQ==",  // "Secret-Pw1"
        "S: +OK Logged in.",
        "C: CAPA",
    }));
    EXPECT_FALSE(h.error);
    for (const std::string& event : h.events) EXPECT_FALSE(contains(event, "U2VjcmV0LVB3MQ")) << event;
  }
}

TEST(SessionSasl, LoginThirdChallengeIsAProtocolError) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::Login;
  Harness h(options);
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: SASL LOGIN",
      "S: .",
      "C: AUTH LOGIN",
      "S: + VXNlcm5hbWU6",
      "C: YWxpY2U=",
      "S: + UGFzc3dvcmQ6",
      "C: U2VjcmV0LVB3MQ==",
      "S: + UGFzc3dvcmQ6",
  }));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
}

TEST(SessionSasl, LoginNotListedIsUnavailable) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::Login;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: USER", "S: SASL PLAIN", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_TRUE(contains(h.error->message, "offers SASL PLAIN, not LOGIN")) << h.error->message;
  EXPECT_TRUE(h.unmatched_client.empty());
}

TEST(SessionSasl, AutoRefusesClearTextOnAnUnencryptedConnection) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::Auto;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: USER", "S: SASL PLAIN LOGIN", "S: ."}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  EXPECT_TRUE(contains(h.error->message, "not sent in clear text")) << h.error->message;
  EXPECT_FALSE(contains(h.client_bytes, "Secret-Pw1"));
  EXPECT_TRUE(h.unmatched_client.empty());
}

TEST(SessionSasl, AutoUsesPlainOverImplicitTls) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::Auto;
  options.tls_from_start = true;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN LOGIN", "S: .",
                     "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
  EXPECT_FALSE(h.error);
}

TEST(SessionSasl, AutoUsesUserPassAfterStls) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::Auto;
  options.tls = TlsPolicy::StartTlsRequired;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS", "S: +OK go", "D: tls",
                     "C: CAPA", "S: +OK", "S: USER", "S: .", "C: USER alice"}));
  EXPECT_FALSE(h.error);
}

TEST(SessionSasl, AutoPrefersScramOverEverythingElse) {
  SessionOptions options = scram_options();
  options.auth = AuthMethod::Auto;
  Harness h(options);
  use_rfc5802_nonce(h);
  ASSERT_TRUE(h.run({"S: +OK ready <1.2@host>", "C: CAPA", "S: +OK", "S: SASL PLAIN CRAM-MD5 SCRAM-SHA-1",
                     "S: .", kClientFirst}));
  EXPECT_FALSE(h.error);
}

}  // namespace
}  // namespace pop3::testing
