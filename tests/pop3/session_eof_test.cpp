// The server closing the connection at every possible byte of a full golden
// session: before QUIT's reply it is always ConnectionClosed (never a
// protocol error, never success), and the message names the step.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "transcript.hpp"

namespace pop3::testing {
namespace {

const std::vector<std::string_view> kFullSession = after_login({
    "C: LIST",
    "S: +OK",
    "S: 1 12",
    "S: .",
    "C: UIDL",
    "S: +OK",
    "S: 1 uid-1",
    "S: .",
    "D: retrieve 1",
    "C: RETR 1",
    "S: +OK",
    "S: Subject: x",
    "S: ..",
    "S: .",
    "D: remove 1",
    "C: DELE 1",
    "S: +OK",
    "D: quit",
    "C: QUIT",
    "S: +OK bye",
});

TEST(SessionEof, AtEveryByteOfAFullSession) {
  const std::size_t total = Harness::server_bytes(kFullSession);
  for (FeedMode mode : {FeedMode::Lines, FeedMode::Coalesced}) {
    std::set<std::string> messages;
    for (std::size_t cut = 0; cut <= total; ++cut) {
      SCOPED_TRACE(std::string(to_string(mode)) + ", eof after " + std::to_string(cut) + " bytes");
      Harness h(default_options(), mode);
      h.run_with_eof_after(kFullSession, cut);
      if (cut == total) {
        EXPECT_FALSE(h.error);
        ASSERT_FALSE(h.events.empty());
        EXPECT_EQ(h.events.back(), "Closed");
        continue;
      }
      ASSERT_TRUE(h.error);
      EXPECT_EQ(h.error->kind, SessionErrorKind::ConnectionClosed) << h.error->message;
      EXPECT_TRUE(h.error->message.starts_with("server closed the connection ")) << h.error->message;
      for (const std::string& event : h.events) EXPECT_NE(event, "Closed");
      EXPECT_EQ(h.session().take_output(), "");
      messages.insert(h.error->message);
    }
    // Every step of the session was hit, and each is named.
    for (const char* expected : {
             "server closed the connection while waiting for the greeting",
             "server closed the connection in the middle of the greeting",
             "server closed the connection while waiting for the reply to CAPA",
             "server closed the connection in the middle of the reply to CAPA",
             "server closed the connection while waiting for the reply to AUTH PLAIN",
             "server closed the connection while waiting for the reply to LIST",
             "server closed the connection in the middle of the reply to UIDL",
             "server closed the connection while the session was idle, before QUIT",
             "server closed the connection in the middle of the reply to RETR 1",
             "server closed the connection in the middle of the reply to DELE 1",
             "server closed the connection in the middle of the reply to QUIT",
         }) {
      EXPECT_TRUE(messages.count(expected)) << expected << "\n  seen: " << ::testing::PrintToString(messages);
    }
  }
}

TEST(SessionEof, TruncatedMultiLineReplies) {
  Harness capa;
  capa.server_raw("+OK\r\n");
  capa.session().take_output();
  capa.server_raw("+OK\r\nUSER\r\n");  // no terminating "."
  capa.eof();
  ASSERT_TRUE(capa.error);
  EXPECT_EQ(capa.error->message, "server closed the connection in the middle of the reply to CAPA");
}

TEST(SessionEof, DuringTheTlsHandshake) {
  SessionOptions options = default_options();
  options.tls = TlsPolicy::StartTlsRequired;
  Harness h(options);
  ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: STLS", "S: .", "C: STLS", "S: +OK", "D: eof"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->message, "server closed the connection during the TLS handshake after STLS");
}

TEST(SessionEof, AfterClosedIsNotAnError) {
  Harness h;
  h.run_with_eof_after(kFullSession, Harness::server_bytes(kFullSession));
  h.eof();
  EXPECT_FALSE(h.error);
}

}  // namespace
}  // namespace pop3::testing
