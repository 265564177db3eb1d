// Hostile greetings and unsolicited replies: the poll fails with a clear
// error, sends nothing it should not, stores nothing, and a stall ends in a
// Timeout within the account's timeout.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"
#include "pop3/limits.hpp"

namespace hostile {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Greeting = HostileTest;

TEST_F(Greeting, NoneAtAllEndsInATimeout) {
  const ScriptedPoll outcome = poll_script(FakePop3Script().stall());
  expect_failed(outcome.report, ErrorKind::Timeout, "no reply within 1s", *outcome.server);
  EXPECT_THAT(outcome.server->received_lines(), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
  outcome.server->stop();
}

TEST_F(Greeting, GarbageIsAProtocolErrorQuotedSafely) {
  // Binary junk with a terminal escape sequence: the message quotes it
  // sanitised (printable, one line), never raw.
  static constexpr char kGarbage[] = "\x16\x03\x01\x00 HELLO \x1b[2J\x07 world\r\n";
  const ScriptedPoll outcome =
      poll_script(FakePop3Script().send(std::string(kGarbage, sizeof kGarbage - 1)).stall());
  expect_failed(outcome.report, ErrorKind::Protocol, "bad reply to greeting: '???? HELLO ?[2J? world'",
                *outcome.server);
  EXPECT_THAT(outcome.server->received_lines(), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

TEST_F(Greeting, ErrIsARejectionWithTheServersReason) {
  const ScriptedPoll outcome =
      poll_script(FakePop3Script().send_line("-ERR [SYS/TEMP] too many connections, try later").stall());
  expect_failed(outcome.report, ErrorKind::TempFail,
                "server rejected the connection: [SYS/TEMP] too many connections", *outcome.server);
  EXPECT_EQ(outcome.report.retry, fetch::RetryHint::Normal);
  EXPECT_THAT(outcome.server->received_lines(), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

TEST_F(Greeting, TensOfMegabytesWithoutANewlineStopAtTheLineLimit) {
  // 40 MB of greeting and no line end: the engine holds at most one reply
  // line (kMaxReplyLineLength), fails, and hangs up long before the server
  // has sent it all.
  constexpr std::uint64_t kGreeting = 40'000'000;
  const ScriptedPoll outcome =
      poll_script(FakePop3Script().send("+OK ").send_repeated("x", kGreeting).stall());
  expect_failed(outcome.report, ErrorKind::Protocol,
                "reply to greeting is longer than " + std::to_string(pop3::kMaxReplyLineLength) + " bytes",
                *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_LT(outcome.server->sent_bytes(), kGreeting);
  EXPECT_EQ(outcome.server->client_closes(), 1u);
  EXPECT_THAT(outcome.server->received_lines(), IsEmpty());
  RecordProperty("server_sent_bytes", std::to_string(outcome.server->sent_bytes()));
}

TEST_F(Greeting, AReplyToACommandNeverSentIsAProtocolError) {
  // The greeting and a second reply in one write (one segment on loopback):
  // the client has sent nothing the second one could answer, so it must not
  // be taken as the answer to the CAPA it is about to send.
  const ScriptedPoll outcome = poll_script(FakePop3Script().send("+OK ready\r\n+OK unsolicited\r\n").stall());
  expect_failed(outcome.report, ErrorKind::Protocol,
                "server sent data while no command was outstanding: '+OK unsolicited", *outcome.server);
  // Not even the CAPA queued for the greeting went out.
  EXPECT_THAT(outcome.server->received_lines(), IsEmpty());
}

TEST_F(Greeting, AnEndlessCapaListStopsAtItsLineLimit) {
  // Capability lines forever: nothing to hold (unknown ones are dropped), but
  // the server never falls silent, so only a limit can end the session.
  constexpr std::uint64_t kEndless = 50'000'000;
  const ScriptedPoll outcome = poll_script(FakePop3Script()
                                               .send_line("+OK ready")
                                               .expect("CAPA")
                                               .send("+OK\r\n")
                                               .send_repeated("X-MORE\r\n", kEndless)
                                               .stall());
  expect_failed(outcome.report, ErrorKind::Protocol,
                "the reply to CAPA has more than " + std::to_string(pop3::kMaxCapaLines) + " lines",
                *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_LT(outcome.server->sent_bytes(), kEndless / 4);
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA"));
}

TEST_F(Greeting, ExtraRepliesLaterInTheSessionAreAProtocolError) {
  // LIST answered, and in the same write an answer to a UIDL the client has
  // not sent yet (it does not pipeline with this server).
  FakePop3Script script;
  login(script).expect("LIST").send("+OK\r\n1 100\r\n.\r\n+OK\r\n1 forged-uidl\r\n.\r\n").stall();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, ErrorKind::Protocol, "no command was outstanding", *outcome.server);
  EXPECT_THAT(lines_starting_with(*outcome.server, "UIDL"), IsEmpty());
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

}  // namespace
}  // namespace hostile
