// The command/reply layer driven directly, without a Session: the remaining
// RFC 1939 commands (STAT, LIST n, UIDL n, TOP, NOOP, RSET) and the framing
// and ordering violations.
#include "pop3/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pop3/listing.hpp"

namespace pop3 {
namespace {

std::vector<Reply> drain(Protocol& protocol) {
  std::vector<Reply> replies;
  while (std::optional<Reply> reply = protocol.next()) replies.push_back(std::move(*reply));
  return replies;
}

// A protocol past the greeting, with nothing in flight.
Protocol greeted() {
  Protocol protocol;
  protocol.receive("+OK hello\r\n");
  drain(protocol);
  return protocol;
}

TEST(Protocol, GreetingIsTheFirstReply) {
  Protocol protocol;
  EXPECT_EQ(protocol.in_flight(), 1u);
  protocol.receive("+OK POP3 ready <1.2@host>\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  const auto& status = std::get<StatusReply>(replies[0]);
  EXPECT_EQ(status.command.kind, CommandKind::Greeting);
  EXPECT_TRUE(status.ok);
  EXPECT_EQ(status.text, "POP3 ready <1.2@host>");
  EXPECT_EQ(protocol.in_flight(), 0u);
}

TEST(Protocol, StatAndSingleLineListAndUidl) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::stat()));
  ASSERT_TRUE(protocol.send(Command::list(2)));
  ASSERT_TRUE(protocol.send(Command::uidl(2)));
  EXPECT_EQ(protocol.take_output(), "STAT\r\nLIST 2\r\nUIDL 2\r\n");
  protocol.receive("+OK 2 320\r\n+OK 2 200\r\n+OK 2 QhdPYR:00WBw1Ph7x7\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 3u);
  const auto& stat = std::get<StatusReply>(replies[0]);
  EXPECT_TRUE(stat.complete);
  EXPECT_EQ(parse_drop_listing(stat.text).value->size, 320u);
  EXPECT_EQ(parse_scan_listing(std::get<StatusReply>(replies[1]).text).value->size, 200u);
  EXPECT_EQ(parse_uidl_listing(std::get<StatusReply>(replies[2]).text).value->uidl, "QhdPYR:00WBw1Ph7x7");
  EXPECT_EQ(std::get<StatusReply>(replies[2]).outstanding, 1u);
  EXPECT_EQ(std::get<StatusReply>(replies[0]).outstanding, 3u);
  EXPECT_EQ(protocol.in_flight(), 0u);
}

TEST(Protocol, TopStreamsHeadersLikeABody) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::top(1, 0)));
  EXPECT_EQ(protocol.take_output(), "TOP 1 0\r\n");
  protocol.receive("+OK\r\nSubject: x\r\n\r\n.\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_FALSE(std::get<StatusReply>(replies[0]).complete);
  EXPECT_EQ(std::get<BodyChunkReply>(replies[1]).data, "Subject: x\r\n\r\n");
  EXPECT_EQ(std::get<EndReply>(replies[2]).command.kind, CommandKind::Top);
}

TEST(Protocol, NoopRsetAndErrForAMultiLineCommand) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::noop()));
  ASSERT_TRUE(protocol.send(Command::rset()));
  ASSERT_TRUE(protocol.send(Command::retr(9)));
  ASSERT_TRUE(protocol.send(Command::noop()));
  EXPECT_EQ(protocol.take_output(), "NOOP\r\nRSET\r\nRETR 9\r\nNOOP\r\n");
  protocol.receive("+OK\r\n+OK maildrop has 2 messages\r\n-ERR no such message\r\n+OK\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 4u);
  const auto& retr = std::get<StatusReply>(replies[2]);
  EXPECT_EQ(retr.command.describe(), "RETR 9");
  EXPECT_FALSE(retr.ok);
  EXPECT_TRUE(retr.complete);  // -ERR to RETR has no body
  EXPECT_EQ(std::get<StatusReply>(replies[3]).command.kind, CommandKind::Noop);
  EXPECT_FALSE(protocol.failed());
}

TEST(Protocol, ListingLinesAreUnstuffed) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::capa()));
  (void)protocol.take_output();
  protocol.receive("+OK\r\nUSER\r\n..odd\r\n.\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(std::get<LineReply>(replies[1]).line, "USER");
  EXPECT_EQ(std::get<LineReply>(replies[2]).line, ".odd");
  EXPECT_TRUE(std::holds_alternative<EndReply>(replies[3]));
}

TEST(Protocol, DataWithNothingOutstandingIsAViolation) {
  Protocol protocol = greeted();
  protocol.receive("+OK surprise\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_NE(std::get<ViolationReply>(replies[0]).message.find("no command was outstanding"),
            std::string::npos);
  EXPECT_TRUE(protocol.failed());
}

TEST(Protocol, AReplyBeforeTheCommandLeftIsAViolation) {
  // The server cannot answer a command it has not received: the command was
  // written but not yet handed out with take_output().
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::noop()));
  protocol.receive("+OK\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ViolationReply>(replies[0]));
}

TEST(Protocol, GarbageInsteadOfAStatusLine) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::noop()));
  (void)protocol.take_output();
  protocol.receive("HTTP/1.1 400 Bad Request\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(std::get<ViolationReply>(replies[0]).message, "bad reply to NOOP: 'HTTP/1.1 400 Bad Request'");
}

TEST(Protocol, BytesAfterStlsOkAreAnInjection) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::stls()));
  (void)protocol.take_output();
  protocol.receive("+OK begin TLS\r\n+OK injected\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u) << "the +OK must not be reported: the driver would start TLS";
  EXPECT_NE(std::get<ViolationReply>(replies[0]).message.find("after its +OK to STLS"), std::string::npos);
}

TEST(Protocol, NoInputUntilTlsIsInPlace) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::stls()));
  (void)protocol.take_output();
  protocol.receive("+OK begin TLS\r\n");
  ASSERT_EQ(drain(protocol).size(), 1u);
  EXPECT_TRUE(protocol.awaiting_tls());
  EXPECT_FALSE(protocol.send(Command::capa())) << "nothing may be sent in clear text now";
  protocol.resume_after_tls();
  ASSERT_TRUE(protocol.send(Command::capa()));
  EXPECT_EQ(protocol.take_output(), "CAPA\r\n");

  Protocol late = greeted();
  ASSERT_TRUE(late.send(Command::stls()));
  (void)late.take_output();
  late.receive("+OK begin TLS\r\n");
  drain(late);
  late.receive("+OK injected in a later packet\r\n");
  const std::vector<Reply> replies = drain(late);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ViolationReply>(replies[0]));
}

TEST(Protocol, SaslChallengeAndResponse) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::auth("CRAM-MD5")));
  EXPECT_FALSE(protocol.send_sasl_response("early")) << "no challenge yet";
  EXPECT_EQ(protocol.take_output(), "AUTH CRAM-MD5\r\n");
  protocol.receive("+ PDE+\r\n");
  std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(std::get<ContinuationReply>(replies[0]).payload, "PDE+");
  ASSERT_TRUE(protocol.send_sasl_response("cmVzcG9uc2U="));
  EXPECT_EQ(protocol.take_output(), "cmVzcG9uc2U=\r\n");
  protocol.receive("+OK welcome\r\n");
  replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(std::get<StatusReply>(replies[0]).ok);
}

TEST(Protocol, ReplyBeforeOurSaslResponseIsAViolation) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::auth("CRAM-MD5")));
  (void)protocol.take_output();
  protocol.receive("+ PDE+\r\n+OK too early\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<ContinuationReply>(replies[0]));
  EXPECT_TRUE(std::holds_alternative<ViolationReply>(replies[1]));
}

TEST(Protocol, ContinuationOnlyWhereSaslAllowsIt) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::user("alice")));
  (void)protocol.take_output();
  protocol.receive("+ what\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ViolationReply>(replies[0]));
}

TEST(Protocol, RefusesLineBreaksInArguments) {
  Protocol protocol = greeted();
  EXPECT_FALSE(protocol.send(Command::user("alice\r\nDELE 1")));
  EXPECT_FALSE(protocol.send(Command::pass(std::string("pw\0x", 4))));
  EXPECT_EQ(protocol.take_output(), "");
  EXPECT_EQ(protocol.in_flight(), 0u);
}

TEST(Protocol, RedactedTraces) {
  EXPECT_EQ(Command::pass("hunter2").trace(), "PASS ***");
  EXPECT_EQ(Command::apop("bob", "c4c9334bac560ecc979e58001b3e22fb").trace(), "APOP bob ***");
  EXPECT_EQ(Command::auth("PLAIN", "AGJvYgBodW50ZXIy").trace(), "AUTH PLAIN ***");
  EXPECT_EQ(Command::auth("CRAM-MD5").trace(), "AUTH CRAM-MD5");
  EXPECT_EQ(Command::user("bob").trace(), "USER bob");
  EXPECT_EQ(Command::top(3, 10).line(), "TOP 3 10");
}

TEST(Protocol, OverLongReplyLineIsAViolation) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::noop()));
  (void)protocol.take_output();
  const std::string flood(4096, 'x');
  protocol.receive("+OK ");
  for (int i = 0; i < 4 && !protocol.failed(); ++i) {
    protocol.receive(flood);
    EXPECT_LE(protocol.buffered_bytes(), kMaxReplyLineLength + 1);
  }
  EXPECT_TRUE(protocol.failed());
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_NE(std::get<ViolationReply>(replies[0]).message.find("longer than"), std::string::npos);
}

TEST(Protocol, ViolationDuringPipeliningIsMarked) {
  Protocol protocol = greeted();
  ASSERT_TRUE(protocol.send(Command::dele(1)));
  ASSERT_TRUE(protocol.send(Command::dele(2)));
  (void)protocol.take_output();
  protocol.receive("?\r\n");
  const std::vector<Reply> replies = drain(protocol);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(std::get<ViolationReply>(replies[0]).during_pipelining);
}

}  // namespace
}  // namespace pop3
