// Golden transcripts for every authentication path of the Session, and the
// guarantee that a password (or anything derived from it) never appears in
// an event and is never sent where it must not be.
#include <gtest/gtest.h>

#include <string>

#include "fake_digests.hpp"
#include "pop3/auth.hpp"
#include "pop3/base64.hpp"
#include "transcript.hpp"

namespace pop3::testing {
namespace {

// base64("\0alice\0Secret-Pw1")
constexpr std::string_view kAlicePlain = "AGFsaWNlAFNlY3JldC1QdzE=";

// No event and no trace may carry the secret or a value derived from it.
void expect_no_secret_in_events(const Harness& h, std::string_view secret) {
  for (const std::string& event : h.events) EXPECT_FALSE(contains(event, secret)) << event;
  for (const std::string& sent : h.sent) EXPECT_FALSE(contains(sent, secret)) << sent;
  if (h.error) {
    EXPECT_FALSE(contains(h.error->message, secret));
  }
}

TEST(SessionAuth, AuthPlainWhenCapaListsIt) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    ASSERT_TRUE(h.run({
        "S: +OK POP3 server ready",
        "C: CAPA",
        "S: +OK Capability list follows",
        "S: USER",
        "S: SASL PLAIN LOGIN",
        "S: UIDL",
        "S: .",
        "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=",
        "S: +OK Logged in.",
        "C: CAPA",
        "S: +OK",
        "S: UIDL",
        "S: TOP",
        "S: .",
        "E: Authenticated pipelining=0 caps=UIDL TOP",
        "C: LIST",
    }));
    EXPECT_TRUE(h.unmatched_client.empty());
    EXPECT_EQ(h.sent, (std::vector<std::string>{"CAPA", "AUTH PLAIN ***", "CAPA", "LIST"}));
    expect_no_secret_in_events(h, "Secret-Pw1");
    expect_no_secret_in_events(h, kAlicePlain);
  }
}

TEST(SessionAuth, UserPassFallbackOneAtATime) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    ASSERT_TRUE(h.run({
        "S: +OK ready",
        "C: CAPA",
        "S: +OK",
        "S: USER",
        "S: SASL CRAM-MD5",
        "S: .",
        "E: Notice: server does not offer SASL PLAIN; falling back to USER/PASS",
        "C: USER alice",
        "S: +OK",
        "C: PASS Secret-Pw1",
        "S: +OK maildrop locked",
        "C: CAPA",
    }));
    EXPECT_EQ(h.max_commands_per_write, 1u);
    EXPECT_EQ(h.sent[2], "PASS ***");
    expect_no_secret_in_events(h, "Secret-Pw1");
  }
}

TEST(SessionAuth, UserAndPassPipelinedWhenThePreAuthCapaListsPipelining) {
  SessionOptions options = default_options();
  options.pipelining = PipeliningMode::Auto;
  Harness h(options, FeedMode::Coalesced);
  ASSERT_TRUE(h.run({
      "S: +OK ready",
      "C: CAPA",
      "S: +OK",
      "S: USER",
      "S: PIPELINING",
      "S: .",
      "E: Notice: server does not offer SASL PLAIN; falling back to USER/PASS",
      "C: USER alice",
      "C: PASS Secret-Pw1",  // went out together with USER, before USER's reply
      "S: +OK",
      "S: +OK logged in",
      "C: CAPA",
      "S: +OK",
      "S: PIPELINING",
      "S: .",
      "E: Authenticated pipelining=1 caps=PIPELINING",
      "C: LIST",
      "C: UIDL",
  }));
  EXPECT_GE(h.max_commands_per_write, 2u);
}

TEST(SessionAuth, OldServerWithoutCapa) {
  Harness h;
  ASSERT_TRUE(h.run({
      "S: +OK ready", "C: CAPA", "S: -ERR unknown command",
      "E: Notice: server does not support CAPA; falling back to USER/PASS", "C: USER alice", "S: +OK",
      "C: PASS Secret-Pw1", "S: +OK", "E: Authenticated pipelining=0 caps=",
      "C: LIST",  // no second CAPA: the server said it has none
  }));
}

TEST(SessionAuth, LongPlainCredentialsGoOutAsAContinuation) {
  // RFC 5034 §4: with the initial response, "AUTH PLAIN <ir>" CRLF would be
  // 257 octets (> 255), so the response follows the server's "+ ".
  SessionOptions options = default_options();
  options.password = common::Secret(std::string(174, 'p'));
  Harness h(options);
  ASSERT_TRUE(h.run({
      "S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .", "C: AUTH PLAIN", "S: + ",
      "S: +OK",  // (checked below: the response went out before this reply)
  }));
  // The response went out alone, after the "+ " and before the "+OK" (else
  // the Protocol would have flagged a reply before our response).
  EXPECT_EQ(h.unmatched_client, sasl_plain_response("alice", options.password.reveal()) + "\r\nCAPA\r\n");
  EXPECT_EQ(h.sent[1], "AUTH PLAIN");
  EXPECT_EQ(h.sent[2], "*** (AUTH PLAIN response)");

  // One octet less fits: 253 octets with the initial response inline.
  options.password = common::Secret(std::string(173, 'p'));
  Harness inline_h(options);
  ASSERT_TRUE(inline_h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: ."}));
  EXPECT_TRUE(inline_h.unmatched_client.starts_with("AUTH PLAIN AGFsaWNl"));
  EXPECT_EQ(inline_h.unmatched_client.size(), 253u);
}

TEST(SessionAuth, CramMd5Rfc2195) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    SessionOptions options = default_options();
    options.username = "tim";
    options.password = common::Secret("tanstaaftanstaaf");
    options.auth = AuthMethod::CramMd5;
    Harness h(options, mode);
    ASSERT_TRUE(h.run({
        "S: +OK ready <1.2@host>",  // has a timestamp, but CRAM-MD5 is preferred
        "C: CAPA",
        "S: +OK",
        "S: SASL PLAIN CRAM-MD5",
        "S: .",
        "C: AUTH CRAM-MD5",
        "S: + PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
        "C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
        "S: +OK CRAM authentication successful",
        "C: CAPA",
    }));
    EXPECT_EQ(h.digests().misses(), 0);
    EXPECT_FALSE(contains(h.client_bytes, "tanstaaftanstaaf"));
    expect_no_secret_in_events(h, "tanstaaftanstaaf");
    expect_no_secret_in_events(h, "dGltIGI5MTNh");
    expect_no_secret_in_events(h, "b913a602c7eda7a495b4e6e7334d3890");
  }
}

TEST(SessionAuth, ApopWhenCramMd5IsNotOffered) {
  SessionOptions options = default_options();
  options.username = "mrose";
  options.password = common::Secret("tanstaaf");
  options.auth = AuthMethod::CramMd5;
  Harness h(options);
  ASSERT_TRUE(h.run({
      "S: +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>",
      "C: CAPA",
      "S: +OK",
      "S: SASL PLAIN",
      "S: .",
      "E: Notice: server does not offer SASL CRAM-MD5; using APOP",
      "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
      "S: +OK maildrop has 1 message (369 octets)",
      "C: CAPA",
  }));
  EXPECT_EQ(h.digests().misses(), 0);
  EXPECT_EQ(h.sent[1], "APOP mrose ***");
  EXPECT_FALSE(contains(h.client_bytes, "tanstaaf\r\n"));
  expect_no_secret_in_events(h, "tanstaaf");
  expect_no_secret_in_events(h, "c4c9334bac560ecc979e58001b3e22fb");
}

TEST(SessionAuth, CramMd5UnavailableNeverSendsThePassword) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::CramMd5;
  Harness h(options);
  ASSERT_TRUE(h.run({
      "S: +OK ready, no timestamp here",
      "C: CAPA",
      "S: +OK",
      "S: USER",
      "S: SASL PLAIN LOGIN",
      "S: .",
      "E: Failed auth unavailable: cram-md5 authentication requested, but the server offers neither SASL "
      "CRAM-MD5 "
      "nor APOP (no timestamp in its greeting); the password was not sent",
  }));
  EXPECT_EQ(h.client_bytes, "CAPA\r\n");
  EXPECT_FALSE(contains(h.client_bytes, "Secret-Pw1"));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::AuthUnavailable);
  expect_no_secret_in_events(h, "Secret-Pw1");
}

TEST(SessionAuth, ErrToAuthenticationIsClassifiedByResponseCode) {
  struct Case {
    const char* reply;
    SessionErrorKind kind;
    ResponseCode code;
  };
  const Case cases[] = {
      {"-ERR [AUTH] Authentication failed.", SessionErrorKind::Auth, ResponseCode::Auth},
      {"-ERR invalid password", SessionErrorKind::Auth, ResponseCode::None},
      {"-ERR [SYS/TEMP] Server is busy", SessionErrorKind::TempFail, ResponseCode::SysTemp},
      {"-ERR [IN-USE] Mailbox is locked by another POP3 session", SessionErrorKind::TempFail,
       ResponseCode::InUse},
      {"-ERR [LOGIN-DELAY] Wait 15 minutes", SessionErrorKind::TempFail, ResponseCode::LoginDelay},
      {"-ERR [SYS/PERM] Account disabled", SessionErrorKind::PermFail, ResponseCode::SysPerm},
      {"-ERR [UNKNOWN-CODE] hmm", SessionErrorKind::Auth, ResponseCode::Other},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reply);
    // AUTH PLAIN
    Harness plain;
    ASSERT_TRUE(plain.run(
        {"S: +OK", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .", "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
    plain.server_raw(std::string(c.reply) + "\r\n");
    ASSERT_TRUE(plain.error);
    EXPECT_EQ(plain.error->kind, c.kind);
    EXPECT_EQ(plain.error->code, c.code);
    EXPECT_TRUE(plain.error->message.starts_with("authentication failed (AUTH PLAIN): "))
        << plain.error->message;

    // USER/PASS: the -ERR to PASS
    Harness user;
    ASSERT_TRUE(user.run({"S: +OK", "C: CAPA", "S: -ERR", "C: USER alice", "S: +OK", "C: PASS Secret-Pw1"}));
    user.server_raw(std::string(c.reply) + "\r\n");
    ASSERT_TRUE(user.error);
    EXPECT_EQ(user.error->kind, c.kind);
    EXPECT_EQ(user.error->code, c.code);
    EXPECT_EQ(user.session().take_output(), "") << "nothing is sent after a failure";
  }
}

TEST(SessionAuth, ErrToUserFailsEvenWithPassPipelined) {
  SessionOptions options = default_options();
  options.pipelining = PipeliningMode::On;
  Harness h(options, FeedMode::Coalesced);
  ASSERT_TRUE(h.run({
      "S: +OK",
      "C: CAPA",
      "S: -ERR",
      "C: USER alice",
      "C: PASS Secret-Pw1",
      "S: -ERR [AUTH] no such user",
      "S: -ERR [AUTH] no such user",
  }));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Auth);
  EXPECT_EQ(h.error->message, "authentication failed (USER): [AUTH] no such user");
  EXPECT_TRUE(h.error->during_pipelining);
  EXPECT_EQ(h.events.back(), "Failed auth: authentication failed (USER): [AUTH] no such user");
}

TEST(SessionAuth, GreetingRejected) {
  Harness h;
  ASSERT_TRUE(h.run({"S: -ERR [SYS/TEMP] too many connections from your address"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::GreetingRejected);
  EXPECT_EQ(h.error->code, ResponseCode::SysTemp);
  EXPECT_EQ(h.error->message,
            "server rejected the connection: [SYS/TEMP] too many connections from your address");
  EXPECT_EQ(h.client_bytes, "");
}

TEST(SessionAuth, BadCramMd5Challenge) {
  SessionOptions options = default_options();
  options.auth = AuthMethod::CramMd5;
  Harness h(options);
  ASSERT_TRUE(h.run(
      {"S: +OK", "C: CAPA", "S: +OK", "S: SASL CRAM-MD5", "S: .", "C: AUTH CRAM-MD5", "S: + not*base64"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
  EXPECT_EQ(h.error->message, "bad CRAM-MD5 challenge: 'not*base64'");
  EXPECT_TRUE(h.unmatched_client.empty());
}

TEST(SessionAuth, SecondChallengeIsAProtocolError) {
  Harness h;
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .",
                     "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=", "S: + more?"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
}

TEST(SessionAuth, UserNameWithALineBreakIsRefusedBeforeSending) {
  SessionOptions options = default_options();
  options.username = "alice\r\nDELE 1";
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: -ERR"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Usage);
  EXPECT_EQ(h.client_bytes, "CAPA\r\n");
}

// Issue 11 item 10: servers that echo what we sent in their reply.
TEST(SessionAuth, PasswordEchoedInAnErrIsRedacted) {
  struct Case {
    const char* name;
    std::vector<std::string_view> script;
    std::string_view expected_message;
  };
  const std::string b64_password = base64_encode("Secret-Pw1");
  const std::string b64_shifted = base64_encode("PASS Secret-Pw1");  // the password at another alignment
  const std::string err_b64 = "S: -ERR [AUTH] decoded " + b64_password + " / " + b64_shifted;
  const Case cases[] = {
      {"PASS line echoed",
       {"S: +OK", "C: CAPA", "S: -ERR", "C: USER alice", "S: +OK", "C: PASS Secret-Pw1",
        "S: -ERR [AUTH] invalid command: PASS Secret-Pw1"},
       "authentication failed (PASS): [AUTH] invalid command: PASS ***"},
      {"AUTH PLAIN response echoed",
       {"S: +OK", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .",
        "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=", "S: -ERR bad response AGFsaWNlAFNlY3JldC1QdzE="},
       "authentication failed (AUTH PLAIN): bad response ***"},
      {"base64 forms echoed",
       {"S: +OK", "C: CAPA", "S: -ERR", "C: USER alice", "S: +OK", "C: PASS Secret-Pw1", err_b64},
       ""},
      {"PASS line in a reply that is not a status line",
       {"S: +OK", "C: CAPA", "S: -ERR", "C: USER alice", "S: +OK", "C: PASS Secret-Pw1",
        "S: PASS Secret-Pw1 ?"},
       "bad reply to PASS: 'PASS *** ?'"},
  };
  for (const Case& c : cases) {
    for (FeedMode mode : kAllFeedModes) {
      SCOPED_TRACE(std::string(c.name) + " / " + to_string(mode));
      Harness h(default_options(), mode);
      ASSERT_TRUE(h.run(c.script));
      ASSERT_TRUE(h.error);
      if (!c.expected_message.empty()) {
        EXPECT_EQ(h.error->message, c.expected_message);
      }
      for (const std::string& form : password_forms("alice", "Secret-Pw1")) {
        EXPECT_FALSE(contains(h.error->message, form)) << h.error->message;
        for (const std::string& event : h.events) EXPECT_FALSE(contains(event, form)) << event;
      }
      EXPECT_FALSE(contains(h.error->message, "Secret-Pw1"));
      EXPECT_FALSE(contains(h.error->message, b64_password)) << h.error->message;
    }
  }
}

}  // namespace
}  // namespace pop3::testing
