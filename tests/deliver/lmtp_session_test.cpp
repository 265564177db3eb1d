// LmtpSession without I/O: scripted server replies in, the client's commands
// and the outcome checked, each script fed whole and byte by byte.
#include "deliver/lmtp_session.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deliver {
namespace {

const std::string kMessage = "From: a@example.org\r\nSubject: hi\r\n\r\n.leading dot\r\nbody\r\n";

LmtpEnvelope envelope() {
  LmtpEnvelope e;
  e.client_name = "client.example";
  e.sender = "a@example.org";
  e.recipient = "alice@example.org";
  return e;
}

// Feeds one server reply, whole or one byte at a time, and returns what the
// client sent in answer.
std::string reply(LmtpSession& session, const std::string& text, bool bytewise) {
  if (bytewise) {
    for (char c : text) session.receive(std::string_view(&c, 1));
  } else {
    session.receive(text);
  }
  return session.take_output();
}

class LmtpSessionTest : public ::testing::TestWithParam<bool> {
 protected:
  // Runs the dialogue up to and including the message, checking each command.
  void run_to_end_of_data(LmtpSession& session) {
    EXPECT_EQ(session.take_output(), "");
    EXPECT_EQ(reply(session, "220 lmtp ready\r\n", GetParam()), "LHLO client.example\r\n");
    EXPECT_EQ(reply(session, "250-host\r\n250-PIPELINING\r\n250 8BITMIME\r\n", GetParam()),
              "MAIL FROM:<a@example.org>\r\n");
    EXPECT_EQ(reply(session, "250 2.1.0 OK\r\n", GetParam()), "RCPT TO:<alice@example.org>\r\n");
    EXPECT_EQ(reply(session, "250 2.1.5 OK\r\n", GetParam()), "DATA\r\n");
    EXPECT_EQ(reply(session, "354 OK\r\n", GetParam()),
              "From: a@example.org\r\nSubject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\n");
    EXPECT_FALSE(session.outcome());
  }
};

TEST_P(LmtpSessionTest, Reply250IsDeliveredThenQuit) {
  LmtpSession session(envelope(), kMessage);
  run_to_end_of_data(session);
  EXPECT_EQ(reply(session, "250 2.0.0 <alice@example.org> Saved\r\n", GetParam()), "QUIT\r\n");
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Delivered);
  EXPECT_FALSE(session.done());
  EXPECT_EQ(reply(session, "221 bye\r\n", GetParam()), "");
  EXPECT_TRUE(session.done());
}

TEST_P(LmtpSessionTest, Reply452IsTemporaryWithTheServerText) {
  LmtpSession session(envelope(), kMessage);
  run_to_end_of_data(session);
  EXPECT_EQ(reply(session, "452 4.2.2 Mailbox is full\r\n", GetParam()), "QUIT\r\n");
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Temporary);
  EXPECT_NE(session.outcome()->detail.find("452 4.2.2 Mailbox is full"), std::string::npos);
}

TEST_P(LmtpSessionTest, MultiLine550IsPermanentAndQuotesEveryLine) {
  LmtpSession session(envelope(), kMessage);
  run_to_end_of_data(session);
  EXPECT_EQ(reply(session, "550-5.7.1 rejected\r\n550 5.7.1 by policy\x01\r\n", GetParam()), "QUIT\r\n");
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
  EXPECT_NE(session.outcome()->detail.find("550 5.7.1 rejected 5.7.1 by policy?"), std::string::npos)
      << session.outcome()->detail;
}

TEST_P(LmtpSessionTest, RecipientRefusedSendsNoData) {
  LmtpSession session(envelope(), kMessage);
  session.receive("220 ready\r\n");
  session.receive("250 ok\r\n");
  session.receive("250 ok\r\n");
  EXPECT_EQ(session.take_output(),
            "LHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<alice@example.org>\r\n");
  EXPECT_EQ(reply(session, "550 5.1.1 <alice@example.org> User doesn't exist\r\n", GetParam()), "QUIT\r\n");
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
  EXPECT_NE(session.outcome()->detail.find("RCPT TO with 550"), std::string::npos)
      << session.outcome()->detail;
  session.receive_eof();  // closing instead of answering QUIT is fine
  EXPECT_TRUE(session.done());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
}

TEST_P(LmtpSessionTest, ServerDroppingMidDataIsTemporary) {
  LmtpSession session(envelope(), kMessage);
  run_to_end_of_data(session);
  session.receive_eof();
  EXPECT_TRUE(session.done());
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Temporary);
  EXPECT_NE(session.outcome()->detail.find("closed the connection"), std::string::npos);
}

TEST_P(LmtpSessionTest, GreetingRefusedWith421IsTemporary) {
  LmtpSession session(envelope(), kMessage);
  EXPECT_EQ(reply(session, "421 4.3.2 shutting down\r\n", GetParam()), "QUIT\r\n");
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Temporary);
}

INSTANTIATE_TEST_SUITE_P(WholeAndBytewise, LmtpSessionTest, ::testing::Bool());

TEST(LmtpSession, EmptySenderIsNullPath) {
  LmtpEnvelope e = envelope();
  e.sender.clear();
  LmtpSession session(e, kMessage);
  session.receive("220 ready\r\n250 ok\r\n");
  EXPECT_EQ(session.take_output(), "LHLO client.example\r\nMAIL FROM:<>\r\n");
}

TEST(LmtpSession, NotAnLmtpServerIsPermanentAndEndsAtOnce) {
  LmtpSession session(envelope(), kMessage);
  session.receive("+OK POP3 ready\r\n");
  EXPECT_TRUE(session.done());
  EXPECT_EQ(session.take_output(), "");
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
  EXPECT_NE(session.outcome()->detail.find("+OK POP3 ready"), std::string::npos);
}

TEST(LmtpSession, CodeChangingInsideAMultiLineReplyIsAViolation) {
  LmtpSession session(envelope(), kMessage);
  session.receive("220-a\r\n250 b\r\n");
  EXPECT_TRUE(session.done());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
}

TEST(LmtpSession, OverLongLineIsBoundedAndAViolation) {
  LmtpSession session(envelope(), kMessage);
  session.receive("220 " + std::string(kMaxLmtpLineLength + 10, 'x'));
  EXPECT_TRUE(session.done());
  ASSERT_TRUE(session.outcome());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
  EXPECT_LE(session.outcome()->detail.size(), 300u);
}

TEST(LmtpSession, EndlessMultiLineReplyIsCutOff) {
  LmtpSession session(envelope(), kMessage);
  for (std::size_t i = 0; i <= kMaxLmtpReplyLines && !session.done(); ++i) session.receive("220-more\r\n");
  EXPECT_TRUE(session.done());
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
}

TEST(LmtpSession, RecipientWithALineBreakIsRefusedBeforeSending) {
  LmtpEnvelope e = envelope();
  e.recipient = "alice@example.org>\r\nRCPT TO:<mallory@example.org";
  LmtpSession session(e, kMessage);
  session.receive("220 ready\r\n250 ok\r\n250 ok\r\n");
  const std::string sent = session.take_output();
  EXPECT_EQ(sent.find("RCPT"), std::string::npos);
  EXPECT_NE(sent.find("QUIT"), std::string::npos);
  EXPECT_EQ(session.outcome()->verdict, Verdict::Permanent);
}

TEST(LmtpSession, ConnectionFailureIsTemporaryAndKeepsAKnownOutcome) {
  LmtpSession refused(envelope(), kMessage);
  refused.connection_failed("connection refused by 127.0.0.1:24");
  EXPECT_TRUE(refused.done());
  EXPECT_EQ(refused.outcome()->verdict, Verdict::Temporary);
  EXPECT_EQ(refused.outcome()->detail, "connection refused by 127.0.0.1:24");

  LmtpSession delivered(envelope(), kMessage);
  delivered.receive("220 a\r\n250 b\r\n250 c\r\n250 d\r\n354 e\r\n250 f\r\n");
  delivered.connection_failed("no reply within 1s");  // to QUIT: the message is there
  EXPECT_EQ(delivered.outcome()->verdict, Verdict::Delivered);
}

}  // namespace
}  // namespace deliver
