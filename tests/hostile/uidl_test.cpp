// Hostile UIDL listings: duplicates, spaces, control characters, ids of
// hundreds of characters, and a listing of 300,000 entries.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"
#include "pop3/limits.hpp"

namespace hostile {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Uidl = HostileTest;

TEST_F(Uidl, OneIdForTwoMessagesFailsBeforeAnythingIsRetrievedOrDeleted) {
  // A duplicate could make the client DELE a message it has not stored (it
  // would believe the second one is the first): nothing happens at all.
  const std::vector<Message> messages = {message("same-id", 1), message("other", 2), message("same-id", 3)};
  FakePop3Script script;
  login(script);
  listing(script, messages).stall();
  const ScriptedPoll outcome =
      poll_script(std::move(script), [](config::Account& account) { account.keep = false; });
  expect_failed(outcome.report, ErrorKind::Protocol, "the server lists one UIDL for two different messages",
                *outcome.server);
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

TEST_F(Uidl, OneMessageNumberWithTwoIdsFailsBeforeAnythingIsRetrieved) {
  // Message 1 listed twice under different ids: taking both would store one
  // message twice (and DELE it twice).
  FakePop3Script script;
  login(script)
      .expect("LIST")
      .send("+OK\r\n1 100\r\n2 100\r\n.\r\n")
      .expect("UIDL")
      .send("+OK\r\n1 first\r\n1 second\r\n2 third\r\n.\r\n")
      .stall();
  const ScriptedPoll outcome =
      poll_script(std::move(script), [](config::Account& account) { account.keep = false; });
  expect_failed(outcome.report, ErrorKind::Protocol, "the server's UIDL names message 1 twice",
                *outcome.server);
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

TEST_F(Uidl, AListThatJumpsToAHugeMessageNumberFailsWithoutAllocatingForIt) {
  // One line "5000000 1" would make the client keep bookkeeping for five
  // million messages; message numbers start at 1 and run on without big gaps.
  FakePop3Script script;
  login(script).expect("LIST").send("+OK\r\n1 100\r\n5000000 1\r\n.\r\n").stall();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, ErrorKind::Protocol,
                "the server's LIST jumps to message 5000000 after 1 lines", *outcome.server);
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

TEST_F(Uidl, AnEndlessListingOfOneMessageFailsAtTheSecondLine) {
  // 50 MB of "1 again" never ends and never falls silent (the timeout never
  // fires), and each line would cost the client memory: it must stop at once.
  constexpr std::uint64_t kEndless = 50'000'000;
  FakePop3Script script;
  login(script)
      .expect("LIST")
      .send("+OK\r\n1 100\r\n.\r\n")
      .expect("UIDL")
      .send("+OK\r\n")
      .send_repeated("1 again-and-again\r\n", kEndless)
      .stall();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, ErrorKind::Protocol, "the server's UIDL names message 1 twice",
                *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_LT(outcome.server->sent_bytes(), kEndless / 4);
}

TEST_F(Uidl, AnEndlessListRepeatingOneMessageFailsAtTheSecondLine) {
  constexpr std::uint64_t kEndless = 50'000'000;
  FakePop3Script script;
  login(script).expect("LIST").send("+OK\r\n").send_repeated("1 100\r\n", kEndless).stall();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, ErrorKind::Protocol, "the server's LIST names message 1 twice",
                *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_LT(outcome.server->sent_bytes(), kEndless / 4);
}

struct BadUidl {
  const char* name;
  std::string line;  // the UIDL listing line for message 1
  const char* problem;
};

// For test names and messages (gtest would otherwise dump the raw bytes,
// padding included).
void PrintTo(const BadUidl& bad, std::ostream* out) { *out << bad.name; }

class UidlBadEntry : public HostileTest, public ::testing::WithParamInterface<BadUidl> {};

TEST_P(UidlBadEntry, IsAProtocolErrorQuotedSafely) {
  // RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21..0x7E. The engine
  // tolerates up to kMaxUidlLength; anything else fails the poll before any RETR.
  FakePop3Script script;
  login(script)
      .expect("LIST")
      .send("+OK\r\n1 100\r\n.\r\n")
      .expect("UIDL")
      .send("+OK\r\n" + GetParam().line + "\r\n.\r\n")
      .stall();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, ErrorKind::Protocol, "bad UIDL entry '", *outcome.server);
  EXPECT_NE(outcome.report.error->message.find(GetParam().problem), std::string::npos)
      << outcome.report.error->message;
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), IsEmpty());
  EXPECT_THAT(stored(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, UidlBadEntry,
    ::testing::Values(
        BadUidl{"Space", "1 abc def", "outside 0x21..0x7E"},
        BadUidl{"ControlCharacters", std::string("1 ab\x01\x1b[2J\x7f", 10), "outside 0x21..0x7E"},
        BadUidl{"EightBit", "1 caf\xc3\xa9", "outside 0x21..0x7E"},
        BadUidl{"TooLong", "1 " + std::string(pop3::kMaxUidlLength + 1, 'u'), "unique-id too long"},
        BadUidl{"Missing", "1", "not \"msgno unique-id\""},
        BadUidl{"MessageNumberZero", "0 abc", "message number 0"}),
    [](const ::testing::TestParamInfo<BadUidl>& info) { return std::string(info.param.name); });

TEST_F(Uidl, HundredsOfCharactersWithinTheLimitAreAccepted) {
  // Longer than RFC 1939's 70 but within kMaxUidlLength: real servers send
  // such ids, and the archive stores them as they are.
  const std::vector<Message> messages = {message(std::string(pop3::kMaxUidlLength, 'L'), 1)};
  FakePop3Script script;
  login(script);
  listing(script, messages);
  retrieve(script, 1, messages[0]);
  quit(script);
  const ScriptedPoll outcome = poll_script(std::move(script));
  ASSERT_TRUE(outcome.report.ok()) << outcome.report.error->message;
  const std::vector<StoredMessage> archive = stored();
  ASSERT_EQ(archive.size(), 1u);
  EXPECT_EQ(archive[0].uidl, messages[0].uidl);
  EXPECT_EQ(archive[0].raw, messages[0].raw);
}

TEST_F(Uidl, ThreeHundredThousandEntriesAreWorkedThroughInBoundedMemory) {
  // The listing streams through the client: it keeps two 8-byte numbers per
  // listed message and the UIDLs of at most max_messages_per_poll messages
  // it will fetch (fetch::kDefaultMaxMessagesPerPoll in production; 3 here so
  // the fake server needs to serve only three). The rest is reported as
  // pending for the next poll, not failed and not held in memory.
  constexpr std::uint32_t kListed = 300'000;
  constexpr std::size_t kCap = 3;
  std::string list = "+OK 300000 messages\r\n";
  std::string uidl = "+OK\r\n";
  list.reserve(kListed * 16);
  uidl.reserve(kListed * 48);
  for (std::uint32_t i = 1; i <= kListed; ++i) {
    const std::string n = std::to_string(i);
    list += n + " 2000\r\n";
    uidl += n + " 0000" + n + "-a-rather-long-unique-id-as-servers-make-them\r\n";
  }
  FakePop3Script script;
  login(script).expect("LIST").send(list + ".\r\n").expect("UIDL").send(uidl + ".\r\n");
  for (std::uint32_t i = 1; i <= kCap; ++i) retrieve(script, i, message("unused", i, 2000));
  quit(script);
  list = {};
  uidl = {};
  const long rss_before = peak_rss_kib();
  PollTweaks tweaks;
  tweaks.max_messages_per_poll = kCap;
  const ScriptedPoll outcome = poll_script(std::move(script), {}, tweaks);
  ASSERT_TRUE(outcome.report.ok()) << outcome.report.error->message;
  EXPECT_EQ(outcome.report.listed, kListed);
  EXPECT_EQ(outcome.report.new_messages, kCap);
  EXPECT_TRUE(outcome.report.more_pending);
  EXPECT_THAT(lines_starting_with(*outcome.server, "RETR"), ElementsAre("RETR 1", "RETR 2", "RETR 3"));
  const std::vector<StoredMessage> archive = stored();
  ASSERT_EQ(archive.size(), kCap);
  EXPECT_EQ(archive[0].uidl, "00001-a-rather-long-unique-id-as-servers-make-them");
  EXPECT_TRUE(outcome.server->errors().empty()) << outcome.server->errors().front();
  // Reported, never asserted: the peak RSS includes the fake server's copy of
  // the listing (about 20 MB) in this same process.
  RecordProperty("peak_rss_kib_before", std::to_string(rss_before));
  RecordProperty("peak_rss_kib_after", std::to_string(peak_rss_kib()));
}

}  // namespace
}  // namespace hostile
