// How replies end and what the driver can ask for: bare-LF terminator
// injection (issue 11 item 1), bodies with lines of any length (item 18),
// TOP, and awaiting() (the command a reply timeout names, item 19).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transcript.hpp"

namespace pop3::testing {
namespace {

TEST(SessionFraming, BareLfDotLineDoesNotEndABodyFromACrlfServer) {
  // Message 1's body holds "\n.\n" and, after it, what looks like the reply
  // to RETR 2. The greeting ended with CRLF, so only CRLF "." CRLF ends a
  // body: message 1 keeps all its bytes and message 2 gets its real ones.
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(pipelined_options(4), mode);
    authenticate(h, true);
    list_messages(h, true, 2);
    ASSERT_TRUE(h.run({"D: retrieve 1", "D: retrieve 2", "C: RETR 1", "C: RETR 2"}));
    h.server_raw(
        "+OK\r\nSubject: one\r\n\r\nhello\n.\n+OK 20 octets\nSubject: fake\n\nfake\n.\nrest\r\n.\r\n"
        "+OK\r\nSubject: two\r\n\r\nreal two\r\n.\r\n");
    EXPECT_EQ(h.unchecked_events(), (std::vector<std::string>{"Begin 1", "End 1", "Begin 2", "End 2"}));
    EXPECT_EQ(
        h.bodies[1],
        "Subject: one\r\n\r\nhello\r\n.\r\n+OK 20 octets\r\nSubject: fake\r\n\r\nfake\r\n.\r\nrest\r\n");
    EXPECT_EQ(h.bodies[2], "Subject: two\r\n\r\nreal two\r\n");
    EXPECT_FALSE(h.error);
  }
}

TEST(SessionFraming, BareLfDotLineDoesNotEndAListingFromACrlfServer) {
  // A "." ended by a bare LF is a listing line, and not a valid one: the
  // session fails instead of reading the rest of the listing as replies.
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    authenticate(h, false);
    ASSERT_TRUE(h.run({"C: LIST"}));
    h.server_raw("+OK\r\n1 10\r\n.\n+OK\r\n2 10\r\n.\r\n");
    ASSERT_TRUE(h.error);
    EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
    EXPECT_TRUE(h.error->message.starts_with("bad LIST entry '.': ")) << h.error->message;
  }
}

TEST(SessionFraming, ServerWhoseGreetingEndsWithBareLfKeepsLfFraming) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    h.server_raw("+OK ready\n");
    ASSERT_TRUE(h.run({"C: CAPA"}));
    h.server_raw("+OK\nUIDL\n.\n");
    ASSERT_TRUE(h.run({"C: USER alice"}));
    h.server_raw("+OK\n");
    ASSERT_TRUE(h.run({"C: PASS Secret-Pw1"}));
    h.server_raw("+OK\n");
    ASSERT_TRUE(h.run({"C: CAPA"}));
    h.server_raw("+OK\nUIDL\n.\n");
    ASSERT_TRUE(h.run({"C: LIST"}));
    h.server_raw("+OK\n1 10\n.\n");
    ASSERT_TRUE(h.run({"C: UIDL"}));
    h.server_raw("+OK\n1 u1\n.\n");
    ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1"}));
    h.server_raw("+OK\nhello\n..\n.\n");
    EXPECT_EQ(h.bodies[1], "hello\r\n.\r\n");
    EXPECT_EQ(h.events.back(), "End 1");
    EXPECT_FALSE(h.error);
  }
}

TEST(SessionFraming, LongLinesStreamWithBoundedMemory) {
  // A 3 MiB line (no line limit on bodies any more) and a 2 MiB one-line
  // message: both arrive whole, in chunks, holding about one input at a time.
  Harness h(pipelined_options(4), FeedMode::Lines);
  authenticate(h, true);
  list_messages(h, true, 3);
  ASSERT_TRUE(
      h.run({"D: retrieve 1", "D: retrieve 2", "D: retrieve 3", "C: RETR 1", "C: RETR 2", "C: RETR 3"}));
  h.server_raw("+OK\r\nshort line\r\n");
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 48; ++i) {
    h.server_raw(chunk);
    EXPECT_LE(h.session().buffered_bytes(), 2 * chunk.size()) << "a long line is never buffered whole";
  }
  h.server_raw("\r\nmore of message 1\r\n..\r\n.\r\n+OK\r\nmessage two\r\n.\r\n");
  h.server_raw("+OK\r\n" + std::string(2 * 1024 * 1024, 'y') + ".\r\n.\r\n");
  EXPECT_EQ(h.unchecked_events(),
            (std::vector<std::string>{"Begin 1", "End 1", "Begin 2", "End 2", "Begin 3", "End 3"}));
  EXPECT_EQ(h.bodies[1],
            "short line\r\n" + std::string(48 * chunk.size(), 'x') + "\r\nmore of message 1\r\n.\r\n");
  EXPECT_EQ(h.bodies[2], "message two\r\n");
  EXPECT_EQ(h.bodies[3], std::string(2 * 1024 * 1024, 'y') + ".\r\n");
  EXPECT_FALSE(h.error);
}

TEST(SessionFraming, TopProducesMessageEventsMarkedTop) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    authenticate(h, false);
    list_messages(h, false, 2);
    ASSERT_TRUE(h.run({"D: top 1 0",
                       "C: TOP 1 0",
                       "S: +OK",
                       "S: Subject: x",
                       "S: ..dot",
                       "S:",
                       "S: .",
                       "E: Begin 1 top",
                       "E: End 1 top",
                       "D: top 2 5",
                       "C: TOP 2 5",
                       "S: -ERR no such message",
                       "E: MessageFailed 2 top: server refused TOP: no such message",
                       "D: retrieve 1",
                       "C: RETR 1",
                       "S: +OK",
                       "S: whole",
                       "S: .",
                       "E: Begin 1",
                       "E: End 1"}));
    EXPECT_EQ(h.top_bodies[1], "Subject: x\r\n.dot\r\n\r\n");
    EXPECT_EQ(h.bodies[1], "whole\r\n");
    EXPECT_FALSE(h.error);
  }
}

TEST(SessionFraming, TopFollowsRetrievesRules) {
  Harness early;
  early.session().top(1, 0);
  early.drain();
  ASSERT_TRUE(early.error);
  EXPECT_EQ(early.error->message, "top() called before the session was authenticated");

  Harness zero;
  authenticate(zero, false);
  list_messages(zero, false, 1);
  zero.session().top(0, 0);
  zero.drain();
  ASSERT_TRUE(zero.error);
  EXPECT_EQ(zero.error->kind, SessionErrorKind::Usage);
  EXPECT_EQ(zero.error->message, "top() called with message number 0");
}

TEST(SessionFraming, TopSharesThePipelineWindow) {
  Harness h(pipelined_options(2), FeedMode::Coalesced);
  authenticate(h, true);
  list_messages(h, true, 3);
  ASSERT_TRUE(h.run({"D: top 1 0", "D: retrieve 2", "D: top 3 0", "C: TOP 1 0", "C: RETR 2"}));
  EXPECT_EQ(h.unmatched_client, "") << "the third command waits for room in the window";
  ASSERT_TRUE(h.run({"S: +OK", "S: h1", "S: .", "C: TOP 3 0"}));
}

TEST(SessionFraming, AwaitingNamesTheOldestCommandWithoutSecrets) {
  Harness h;
  EXPECT_EQ(h.session().awaiting(), "the greeting");
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA"}));
  EXPECT_EQ(h.session().awaiting(), "CAPA");
  ASSERT_TRUE(h.run({"S: -ERR no CAPA", "C: USER alice"}));
  EXPECT_EQ(h.session().awaiting(), "USER alice");
  ASSERT_TRUE(h.run({"S: +OK", "C: PASS Secret-Pw1"}));
  EXPECT_EQ(h.session().awaiting(), "PASS ***");
  ASSERT_TRUE(h.run({"S: +OK", "C: LIST", "S: +OK", "S: 20 10"}));
  EXPECT_EQ(h.session().awaiting(), "LIST") << "a reply in progress is still awaited";
  ASSERT_TRUE(h.run({"S: .", "C: UIDL", "S: +OK", "S: 20 u20", "S: .", "D: retrieve 20", "C: RETR 20"}));
  EXPECT_EQ(h.session().awaiting(), "RETR 20");
  ASSERT_TRUE(h.run({"S: +OK", "S: body", "S: .", "D: quit", "C: QUIT"}));
  EXPECT_EQ(h.session().awaiting(), "QUIT");
  ASSERT_TRUE(h.run({"S: +OK bye"}));
  EXPECT_EQ(h.events.back(), "Closed");
  EXPECT_EQ(h.session().awaiting(), "");
  EXPECT_EQ(h.sent.size(), 7u);  // CAPA USER PASS LIST UIDL RETR QUIT
  EXPECT_EQ(h.client_bytes.find("Secret-Pw1") != std::string::npos, true) << "the password did go out";
}

TEST(SessionFraming, AwaitingHidesTheSaslInitialResponse) {
  Harness h;
  ASSERT_TRUE(h.run({"S: +OK ready", "C: CAPA", "S: +OK", "S: SASL PLAIN", "S: .",
                     "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE="}));
  EXPECT_EQ(h.session().awaiting(), "AUTH PLAIN ***");
}

}  // namespace
}  // namespace pop3::testing
