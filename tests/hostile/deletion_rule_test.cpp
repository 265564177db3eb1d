// The deletion rule end to end (DESIGN.md "Fetching"): a message is deleted
// from the server only when the bytes the server holds for it now are proven
// to be in the archive. Each scenario is one the old rule ("an archived UIDL
// is deleted without looking") lost mail in: a reused UIDL, an account pointed
// at another server, a short RETR, an archive removed under the daemon, and a
// server that trickles a reply so that it never falls silent.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"
#include "store/header_block.hpp"

namespace hostile {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using namespace std::chrono_literals;

// "TOP n 0" answered with the message's header block.
FakePop3Script& header_check(FakePop3Script& script, std::uint32_t msgno, const Message& message) {
  return script.expect("TOP " + std::to_string(msgno) + " 0")
      .send(retr_reply(store::header_block_of(message.raw)));
}

// `message` with its Subject changed but its size kept: same UIDL and LIST
// size, other headers.
Message with_other_subject(Message message) {
  const std::size_t at = message.raw.find("Subject: ");
  message.raw[at + 9] = message.raw[at + 9] == 'X' ? 'Y' : 'X';
  return message;
}

class DeletionRule : public HostileTest {
 protected:
  // A first poll that archives `messages` (keep: true): what an earlier
  // server, or an earlier life of this UIDL, left in the archive.
  void archive_first(const std::vector<Message>& messages) {
    FakePop3Script script;
    login(script);
    listing(script, messages);
    for (std::uint32_t i = 0; i < messages.size(); ++i) retrieve(script, i + 1, messages[i]);
    quit(script);
    const ScriptedPoll first = poll_script(std::move(script));
    expect_succeeded(first);
    ASSERT_EQ(first.report.new_messages, messages.size());
  }

  std::vector<std::string> stored_raws() {
    std::vector<std::string> out;
    for (const StoredMessage& m : stored()) out.push_back(m.uidl + "|" + m.raw);
    return out;
  }
};

std::string row(const Message& m) { return m.uidl + "|" + m.raw; }
void deleting(config::Account& account) { account.keep = false; }
void everything_old(config::Account& account) { account.delete_after = 0s; }

// The server lists `messages`; the client retrieves `retrieved` (msgnos) and
// deletes `deleted`, in that order, then QUIT.
FakePop3Script mailbox(const std::vector<Message>& messages, const std::vector<std::uint32_t>& retrieved,
                       const std::vector<std::uint32_t>& deleted) {
  FakePop3Script script;
  login(script);
  listing(script, messages);
  for (std::uint32_t msgno : retrieved) retrieve(script, msgno, messages[msgno - 1]);
  for (std::uint32_t msgno : deleted) remove(script, msgno);
  quit(script);
  return script;
}

TEST_F(DeletionRule, KeepFalseRetrievesAReusedUidlAndKeepsBothMessages) {
  // The archive holds "u-1" from an earlier message; the server now holds a
  // different message under that UIDL (RFC 1939 lets it reuse one). The old
  // rule sent DELE 1 without a RETR: the new message was gone unread.
  const Message old_one = message("u-1", 1);
  const Message new_one = message("u-1", 2);
  archive_first({old_one});
  const ScriptedPoll outcome = poll_script(mailbox({new_one}, {1}, {1}), deleting);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.new_messages, 1u);
  EXPECT_EQ(outcome.report.deleted, 1u);
  EXPECT_THAT(stored_raws(), ElementsAre(row(old_one), row(new_one)));
}

TEST_F(DeletionRule, KeepFalseDeletesAnArchivedMessageAfterFindingItByteIdentical) {
  // A crash (or a lost connection) between the commit and QUIT left an
  // archived message on the server: it is retrieved, found identical, deleted.
  const Message stored_one = message("u-1", 1);
  archive_first({stored_one});
  const ScriptedPoll outcome = poll_script(mailbox({stored_one}, {1}, {1}), deleting);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.new_messages, 0u);
  EXPECT_EQ(outcome.report.already_stored, 1u);
  EXPECT_EQ(outcome.report.deleted, 1u);
  EXPECT_THAT(stored_raws(), ElementsAre(row(stored_one)));
}

TEST_F(DeletionRule, DeleteAfterDeletesOnlyWhenSizeAndHeadersMatch) {
  // 1: the archived message itself: TOP proves it, DELE.
  // 2: same UIDL and size, other headers (a reused UIDL): fetched, kept.
  // 3: same UIDL, other size: fetched without a TOP, kept.
  const std::vector<Message> archived = {message("u-1", 1), message("u-2", 2), message("u-3", 3)};
  archive_first(archived);
  const Message reused_same_size = with_other_subject(archived[1]);
  const Message reused_other_size = message("u-3", 4, 3000);
  ASSERT_EQ(reused_same_size.raw.size(), archived[1].raw.size());
  FakePop3Script script;
  login(script);
  listing(script, {archived[0], reused_same_size, reused_other_size});
  // Without pipelining one command at a time, in the order the poll queues
  // them: both checks, then what each decided, then the fetch the plan had.
  header_check(script, 1, archived[0]);
  header_check(script, 2, reused_same_size);
  retrieve(script, 3, reused_other_size);
  retrieve(script, 2, reused_same_size);
  remove(script, 1);
  quit(script);
  const ScriptedPoll outcome = poll_script(std::move(script), everything_old);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.deleted, 1u);
  EXPECT_EQ(outcome.report.new_messages, 2u);
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), ElementsAre("DELE 1"));
  EXPECT_THAT(stored_raws(), ElementsAre(row(archived[0]), row(archived[1]), row(archived[2]),
                                         row(reused_other_size), row(reused_same_size)));
}

TEST_F(DeletionRule, AnAccountPointedAtAnotherServerDeletesNothingItDidNotFetchFromIt) {
  // The operator changed `server:` (or `username:`); the new mailbox happens
  // to number its UIDLs like the old one. delete_after: nothing of it is
  // deleted on the first poll, all of it is archived.
  archive_first({message("1", 1), message("2", 2)});
  const std::vector<Message> second_server = {message("1", 11, 2600), message("2", 12, 2700)};
  const ScriptedPoll outcome = poll_script(mailbox(second_server, {1, 2}, {}), everything_old);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.deleted, 0u);
  EXPECT_EQ(outcome.report.new_messages, 2u);
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), IsEmpty());
  EXPECT_EQ(stored().size(), 4u);
}

TEST_F(DeletionRule, AShortRetrIsStoredFlaggedAndNeverDeleted) {
  // A proxy cut the message: 77 bytes arrive for a LIST size of 3,100. The
  // old client stored the stump and deleted the whole message.
  Message cut = message("u-1", 1, 3100);
  cut.list_size = cut.raw.size();
  cut.raw = cut.raw.substr(0, 75) + "\r\n";
  const Message whole = message("u-2", 2);
  const ScriptedPoll outcome = poll_script(mailbox({cut, whole}, {1, 2}, {2}), deleting);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.short_messages, 1u);
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), ElementsAre("DELE 2"));
  EXPECT_THAT(stored_raws(), ElementsAre(row(cut), row(whole))) << "the stump is kept, flagged";
  EXPECT_THAT(log(), ::testing::Contains(::testing::HasSubstr("message 1 (UIDL u-1) arrived with 77 bytes")));
  EXPECT_NE(outcome.report.summary().find("1 short (kept on the server)"), std::string::npos)
      << outcome.report.summary();
}

TEST_F(DeletionRule, AnArchiveRemovedUnderThePollDeletesNothing) {
  // `rm popfetchd.db*` while the daemon runs: its commits still succeed, into
  // a file nobody will ever read. The old client then deleted on the server.
  const Message one = message("u-1", 1);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((database_path() + suffix).c_str());
  FakePop3Script script;
  login(script);
  listing(script, {one});
  retrieve(script, 1, one).stall();
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_failed(outcome.report, ErrorKind::Storage, "was removed or replaced while popfetchd had it open",
                *outcome.server);
  EXPECT_TRUE(outcome.report.archive_moved);
}

TEST_F(DeletionRule, ATricklingServerIsCutOffAtTheReplyDeadline) {
  // One byte every 50 ms restarts the connection's silence timeout every
  // time: the old client waited for all 2,000 bytes (100 s). The reply's
  // deadline is the timeout (1 s) plus its size at the slowest rate allowed.
  const Message one = message("u-1", 1);
  FakePop3Script script;
  login(script);
  listing(script, {one});
  script.expect("RETR 1").trickle(retr_reply(one.raw), 50ms).stall();
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_failed(outcome.report, ErrorKind::Timeout, "no complete reply to RETR 1 from 127.0.0.1 within 1s",
                *outcome.server);
  EXPECT_THAT(stored(), IsEmpty());
}

TEST_F(DeletionRule, ASilentServerTimeoutNamesTheCommandItWaitedFor) {
  const Message one = message("u-1", 1);
  FakePop3Script script;
  login(script);
  listing(script, {one});
  script.expect("RETR 1").stall();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, ErrorKind::Timeout, "(waiting for the reply to RETR 1)", *outcome.server);
}

}  // namespace
}  // namespace hostile
