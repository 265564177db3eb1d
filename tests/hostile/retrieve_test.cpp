// Hostile RETR replies: drops, stalls, endless bodies, LIST
// sizes that lie, -ERR to one message. keep: false throughout, so "nothing is
// deleted" is a real check: the client would send DELE for whatever it
// believes is stored.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"

namespace hostile {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class Retrieve : public HostileTest {
 protected:
  // poll_script()'s adjustment: keep: false.
  static void deleting(config::Account& account) { account.keep = false; }

  // The scenario the tests of a break in the middle share: uid-1 whole, then
  // the first 9,000 of uid-2's 20,000 bytes. The caller ends the script
  // there (close() or stall()).
  const std::vector<Message> two_ = {message("uid-1", 1), message("uid-2", 2, 20'000)};
  FakePop3Script& cut_in_message_2(FakePop3Script& script) const {
    login(script);
    listing(script, two_);
    return retrieve(script, 1, two_[0])
        .expect("RETR 2")
        .send("+OK\r\n" + dot_stuff(two_[1].raw).substr(0, 9'000));
  }

  // The end of a mailbox whose message 2 is passed over: RETR 3, DELE 1 and
  // 3, QUIT; then the poll.
  ScriptedPoll poll_passing_over_2(FakePop3Script script, const Message& third) {
    retrieve(script, 3, third);
    remove(script, 1);
    remove(script, 3);
    quit(script);
    return poll_script(std::move(script), deleting);
  }

  // What the archive holds, as "uidl:size" for readable failures.
  std::vector<std::string> stored_summary() {
    std::vector<std::string> out;
    for (const StoredMessage& m : stored()) out.push_back(m.uidl + ":" + std::to_string(m.raw.size()));
    return out;
  }
};

std::string summary_of(const Message& m) { return m.uidl + ":" + std::to_string(m.raw.size()); }

TEST_F(Retrieve, DisconnectInTheMiddleKeepsTheCompleteMessagesOnly) {
  FakePop3Script script;
  cut_in_message_2(script).close();
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_failed(outcome.report, ErrorKind::Io,
                "server closed the connection in the middle of the reply to RETR 2", *outcome.server);
  // Message 1 arrived completely and is kept (byte-exact); nothing of message
  // 2 is stored; nothing is deleted (the connection is gone before any DELE).
  const std::vector<StoredMessage> archive = stored();
  ASSERT_EQ(archive.size(), 1u);
  EXPECT_EQ(archive[0].uidl, "uid-1");
  EXPECT_EQ(archive[0].raw, two_[0].raw);
  EXPECT_EQ(outcome.report.new_messages, 1u);
  EXPECT_TRUE(outcome.server->errors().empty()) << outcome.server->errors().front();
}

TEST_F(Retrieve, StallInTheMiddleEndsInATimeoutWithNothingPartialStored) {
  FakePop3Script script;
  cut_in_message_2(script).stall();
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_failed(outcome.report, ErrorKind::Timeout, "no reply within 1s", *outcome.server);
  EXPECT_THAT(stored_summary(), ElementsAre(summary_of(two_[0])));
}

// Issue 16: the progress /health shows is the poll's own count, by LIST
// size. The server stalls in the middle of message 2: the poll stands there
// until its reply deadline ends it, with one of two messages done.
TEST_F(Retrieve, ProgressCountsTheMessagesDoneByTheirListSizes) {
  FakePop3Script script;
  cut_in_message_2(script).stall();
  PollTweaks tweaks;
  tweaks.progress = std::make_shared<fetch::PollProgress>();
  const ScriptedPoll outcome = poll_script(std::move(script), deleting, tweaks);
  expect_failed(outcome.report, ErrorKind::Timeout, "no reply within 1s", *outcome.server);
  ASSERT_TRUE(tweaks.progress->has_plan());
  const fetch::ProgressFigures figures = tweaks.progress->figures(0);
  EXPECT_EQ(figures.messages_done, 1u);
  EXPECT_EQ(figures.messages_total, 2u);
  EXPECT_EQ(figures.bytes_done, two_[0].announced_size());
  EXPECT_EQ(figures.bytes_total, two_[0].announced_size() + two_[1].announced_size());
}

TEST_F(Retrieve, ABodyThatNeverEndsFailsAtMaxMessageSize) {
  // LIST announces 1,000 bytes; the body goes on for 300 MB. The client
  // holds at most max_message_size of it, gives up, and hangs up long before
  // the server got rid of it all.
  constexpr std::uint64_t kEndless = 300'000'000;
  constexpr std::uint64_t kMaxMessageSize = 1'000'000;
  Message endless = message("uid-endless", 3);
  endless.list_size = 1'000;
  FakePop3Script script;
  login(script);
  listing(script, {endless})
      .expect("RETR 1")
      .send("+OK\r\n")
      .send_repeated("All work and no play makes Jack a dull boy.\r\n", kEndless)
      .stall();
  const ScriptedPoll outcome = poll_script(std::move(script), [](config::Account& account) {
    deleting(account);
    account.max_message_size = kMaxMessageSize;
  });
  expect_failed(
      outcome.report, ErrorKind::Protocol,
      "message 1 is larger than max_message_size (1000000 bytes) although LIST announced 1000 bytes",
      *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_LT(outcome.server->sent_bytes(), kEndless / 4);
  EXPECT_THAT(stored(), IsEmpty());
  RecordProperty("server_sent_bytes", std::to_string(outcome.server->sent_bytes()));
}

TEST_F(Retrieve, ListSizesThatLieAreAdvisoryBelowTheLimitAndSkipAboveIt) {
  // 1: LIST understates (10 bytes, really ~3,000): fetched and stored whole.
  // 2: LIST overstates (50 MB, really ~2,000): over max_message_size, so it
  //    is skipped without a RETR and left on the server.
  // 3: honest.
  std::vector<Message> messages = {message("uid-1", 1, 3000), message("uid-2", 2), message("uid-3", 3)};
  messages[0].list_size = 10;
  messages[1].list_size = 50'000'000;
  FakePop3Script script;
  login(script);
  listing(script, messages);
  retrieve(script, 1, messages[0]);
  const ScriptedPoll outcome = poll_passing_over_2(std::move(script), messages[2]);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.skipped_oversize, 1u);
  EXPECT_EQ(outcome.report.new_messages, 2u);
  EXPECT_THAT(stored_summary(), ElementsAre(summary_of(messages[0]), summary_of(messages[2])));
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), ElementsAre("RETR 1", "RETR 3"));
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), ElementsAre("DELE 1", "DELE 3"));
}

TEST_F(Retrieve, AListSizeThatIsNotANumberIsAProtocolError) {
  FakePop3Script script;
  login(script).expect("LIST").send("+OK\r\n1 99999999999999999999999\r\n.\r\n").stall();
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_failed(outcome.report, ErrorKind::Protocol, "bad LIST entry '1 99999999999999999999999'",
                *outcome.server);
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), IsEmpty());
}

TEST_F(Retrieve, ErrToOneRetrLeavesThatMessageAndStoresTheOthers) {
  const std::vector<Message> messages = {message("uid-1", 1), message("uid-2", 2), message("uid-3", 3)};
  FakePop3Script script;
  login(script);
  listing(script, messages);
  retrieve(script, 1, messages[0]).expect("RETR 2").send_line("-ERR [SYS/TEMP] message 2 is locked");
  const ScriptedPoll outcome = poll_passing_over_2(std::move(script), messages[2]);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.failed_messages, 1u);
  EXPECT_EQ(outcome.report.new_messages, 2u);
  EXPECT_EQ(outcome.report.deleted, 2u);
  EXPECT_THAT(stored_summary(), ElementsAre(summary_of(messages[0]), summary_of(messages[2])));
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), ElementsAre("DELE 1", "DELE 3"));
  EXPECT_THAT(log(), ::testing::Contains(::testing::HasSubstr("message 2 is locked")));
}

}  // namespace
}  // namespace hostile
