// Listing, retrieving, deleting and quitting through the Session: golden
// transcripts with and without pipelining, dot-stuffing, odd bytes, and the
// per-message and per-session failures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pop3/limits.hpp"
#include "transcript.hpp"

namespace pop3::testing {
namespace {

using namespace std::string_literals;

TEST(SessionFetch, FullSessionOneCommandAtATime) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(default_options(), mode);
    authenticate(h, false);
    ASSERT_TRUE(h.run({
        "C: LIST",
        "S: +OK 2 messages (320 octets)",
        "S: 1 120",
        "S: 2 200",
        "S: .",
        "C: UIDL",
        "S: +OK",
        "S: 1 whqtswO00WBw418f9t5JxYwZ",
        "S: 2 QhdPYR:00WBw1Ph7x7",
        "S: .",
        "D: retrieve 1",
        "D: retrieve 2",
        "C: RETR 1",
        "S: +OK 120 octets",
        "S: From: a@example.com",
        "S: ",
        "S: ..leading dot",
        "S: .",
        "C: RETR 2",
        "S: +OK",
        "S: hello",
        "S: .",
        "D: remove 1",
        "D: remove 2",
        "C: DELE 1",
        "S: +OK message 1 deleted",
        "C: DELE 2",
        "S: +OK message 2 deleted",
        "D: quit",
        "C: QUIT",
        "S: +OK dewey POP3 server signing off (maildrop empty)",
    }));
    EXPECT_EQ(h.events,
              (std::vector<std::string>{"Authenticated pipelining=0 caps=UIDL", "List 1 120", "List 2 200",
                                        "Uidl 1 whqtswO00WBw418f9t5JxYwZ", "Uidl 2 QhdPYR:00WBw1Ph7x7",
                                        "ListingDone uidl=1", "Begin 1", "End 1", "Begin 2", "End 2",
                                        "Deleted 1", "Deleted 2", "Closed"}));
    EXPECT_EQ(h.bodies[1], "From: a@example.com\r\n\r\n.leading dot\r\n");
    EXPECT_EQ(h.bodies[2], "hello\r\n");
    EXPECT_EQ(h.max_in_flight, 1u) << "without pipelining at most one command is in flight";
    EXPECT_EQ(h.max_commands_per_write, 1u);
    EXPECT_TRUE(h.unmatched_client.empty());
    EXPECT_TRUE(h.session().idle());
    EXPECT_TRUE(h.session().finished());
    EXPECT_FALSE(h.error);
    h.eof();  // the server closes after QUIT: not an error
    EXPECT_FALSE(h.error);
  }
}

TEST(SessionFetch, PipelinedWindowRefillsBeforeItDrains) {
  for (FeedMode mode : kAllFeedModes) {
    SCOPED_TRACE(to_string(mode));
    Harness h(pipelined_options(3), mode);
    authenticate(h, true);
    list_messages(h, true, 6);
    ASSERT_TRUE(
        h.run({
            "D: retrieve 1", "D: retrieve 2", "D: retrieve 3", "D: retrieve 4", "D: retrieve 5",
            "D: retrieve 6", "C: RETR 1",     "C: RETR 2",     "C: RETR 3",  // a full window
            "S: +OK",        "S: one",        "S: .",
            "C: RETR 4",  // refilled while RETR 2 and 3 are still in flight
            "S: +OK",        "S: two",        "S: .",          "S: +OK",        "S: three",
            "S: .",          "C: RETR 5",     "C: RETR 6",     "S: +OK",        "S: four",
            "S: .",          "S: +OK",        "S: five",       "S: .",          "S: +OK",
            "S: six",        "S: .",          "D: remove 1",   "D: remove 2",   "D: quit",
            "C: DELE 1",     "C: DELE 2",     "C: QUIT",  // DELEs and QUIT pipelined too
            "S: +OK",        "S: +OK",        "S: +OK bye",
        }));
    EXPECT_EQ(h.max_in_flight, 3u);
    EXPECT_EQ(h.unchecked_events(),
              (std::vector<std::string>{"Begin 1", "End 1", "Begin 2", "End 2", "Begin 3", "End 3", "Begin 4",
                                        "End 4", "Begin 5", "End 5", "Begin 6", "End 6", "Deleted 1",
                                        "Deleted 2", "Closed"}));
    EXPECT_EQ(h.bodies[6], "six\r\n");
  }
}

TEST(SessionFetch, PipeliningModes) {
  struct Case {
    PipeliningMode mode;
    bool before_auth;  // PIPELINING in the CAPA before authentication
    bool after_auth;   // ... and in the one after
    bool expected;
    // LIST and UIDL went out with the CAPA after authentication (pipelining
    // was known before it), so both are written whatever that CAPA says.
    bool listing_with_capa;
  };
  const Case cases[] = {
      {PipeliningMode::Auto, true, false, false, true},  // the post-auth CAPA is the one that counts
      {PipeliningMode::Auto, false, true, true, false},  // some servers list it only after login
      {PipeliningMode::Auto, true, true, true, true},   {PipeliningMode::Off, true, true, false, false},
      {PipeliningMode::On, false, false, true, true},
  };
  for (const Case& c : cases) {
    SessionOptions options = default_options();
    options.pipelining = c.mode;
    Harness h(options, FeedMode::Coalesced);
    ASSERT_TRUE(h.run({"S: +OK", "C: CAPA", "S: +OK", "S: SASL PLAIN"}));
    if (c.before_auth) {
      ASSERT_TRUE(h.run({"S: PIPELINING"}));
    }
    ASSERT_TRUE(h.run({"S: .", "C: AUTH PLAIN AGFsaWNlAFNlY3JldC1QdzE=", "S: +OK", "C: CAPA", "S: +OK"}));
    if (c.after_auth) {
      ASSERT_TRUE(h.run({"S: PIPELINING"}));
    }
    ASSERT_TRUE(h.run({"S: ."}));
    ASSERT_TRUE(h.authenticated);
    EXPECT_EQ(h.authenticated->pipelining, c.expected);
    EXPECT_EQ(h.unmatched_client, c.expected || c.listing_with_capa ? "LIST\r\nUIDL\r\n" : "LIST\r\n");
  }
}

TEST(SessionFetch, DotStuffedLines) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1", "S: +OK", "S: ..", "S: ...", "S: .x", "S: a.", "S: .. .",
                     "S: .", "E: Begin 1", "E: End 1"}));
  EXPECT_EQ(h.bodies[1], ".\r\n..\r\nx\r\na.\r\n. .\r\n");
}

TEST(SessionFetch, EightBitAndNulBytesArePreserved) {
  for (FeedMode mode : kAllFeedModes) {
    Harness h(default_options(), mode);
    authenticate(h, false);
    list_messages(h, false, 1);
    ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1"}));
    h.server_raw("+OK\r\nSubject: \xe4\xf6\xfc\r\n\r\n\0\x01\xff\r\n\0\r\n.\r\n"s);
    EXPECT_EQ(h.bodies[1], "Subject: \xe4\xf6\xfc\r\n\r\n\0\x01\xff\r\n\0\r\n"s);
    EXPECT_EQ(h.unchecked_events(), (std::vector<std::string>{"Begin 1", "End 1"}));
  }
}

TEST(SessionFetch, BareLineFeedsBecomeCrlf) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1"}));
  h.server_raw("+OK\nline one\nline two\r\n.\r\n");
  EXPECT_EQ(h.bodies[1], "line one\r\nline two\r\n");
}

TEST(SessionFetch, BodiesStreamInChunksAsTheyArrive) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1"}));
  h.server_raw("+OK\r\npart one ");
  EXPECT_EQ(h.bodies[1], "part one ");  // delivered before the line even ends
  h.server_raw("and two\r\n");
  h.server_raw(".\r\n");
  EXPECT_EQ(h.bodies[1], "part one and two\r\n");
  EXPECT_EQ(h.chunks[1], 2);
}

TEST(SessionFetch, OverLongReplyLineFailsTheSessionWithBoundedMemory) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: remove 1", "C: DELE 1"}));
  h.server_raw("+OK ");
  const std::string chunk(1000, 'z');
  for (int i = 0; i < 20 && !h.error; ++i) {
    h.server_raw(chunk);
    EXPECT_LE(h.session().buffered_bytes(), kMaxReplyLineLength + 1);
  }
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
  EXPECT_EQ(h.error->message, "reply to DELE 1 is longer than 8192 bytes");
}

TEST(SessionFetch, ErrToOneRetrLetsTheOthersContinue) {
  Harness h(pipelined_options(), FeedMode::Coalesced);
  authenticate(h, true);
  list_messages(h, true, 3);
  ASSERT_TRUE(h.run({"D: retrieve 1", "D: retrieve 2", "D: retrieve 3", "C: RETR 1", "C: RETR 2", "C: RETR 3",
                     "S: +OK", "S: one", "S: .", "S: -ERR [SYS/TEMP] message 2 is being delivered", "S: +OK",
                     "S: three", "S: ."}));
  EXPECT_EQ(
      h.unchecked_events(),
      (std::vector<std::string>{
          "Begin 1", "End 1", "MessageFailed 2: server refused RETR: [SYS/TEMP] message 2 is being delivered",
          "Begin 3", "End 3"}));
  EXPECT_FALSE(h.error);
}

TEST(SessionFetch, MessageFailedCarriesTheServerError) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1"}));
  h.session().receive("-ERR [IN-USE] busy\r\n");
  std::optional<Event> event = h.session().next_event();
  ASSERT_TRUE(event);
  const auto* failed = std::get_if<MessageFailed>(&*event);
  ASSERT_TRUE(failed);
  ASSERT_TRUE(failed->server_error);
  EXPECT_EQ(kind_for(failed->server_error->code, SessionErrorKind::Protocol), SessionErrorKind::TempFail);
  EXPECT_EQ(failed->server_error->code, ResponseCode::InUse);
}

TEST(SessionFetch, DeleteFailed) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 2);
  ASSERT_TRUE(h.run({"D: remove 1", "D: remove 2", "C: DELE 1", "S: -ERR message 1 already deleted",
                     "C: DELE 2", "S: +OK", "E: DeleteFailed 1: message 1 already deleted", "E: Deleted 2"}));
}

TEST(SessionFetch, UidlErrIsReportedNotFatal) {
  Harness h;
  authenticate(h, false);
  ASSERT_TRUE(h.run({"C: LIST", "S: +OK", "S: 1 10", "S: .", "C: UIDL", "S: -ERR not supported",
                     "E: Authenticated pipelining=0 caps=UIDL", "E: List 1 10",
                     "E: Notice: server refused UIDL: not supported", "E: ListingDone uidl=0"}));
  EXPECT_FALSE(h.error);
}

TEST(SessionFetch, WithoutUidlOnlyListIsSent) {
  SessionOptions options = default_options();
  options.want_uidl = false;
  Harness h(options);
  authenticate(h, false);
  ASSERT_TRUE(h.run({"C: LIST", "S: +OK", "S: 1 10", "S: .", "E: Authenticated pipelining=0 caps=UIDL",
                     "E: List 1 10", "E: ListingDone uidl=0", "D: retrieve 1", "C: RETR 1"}));
}

TEST(SessionFetch, EmptyMailbox) {
  Harness h;
  authenticate(h, false);
  ASSERT_TRUE(h.run(
      {"C: LIST", "S: +OK 0 messages", "S: .", "C: UIDL", "S: +OK", "S: .", "D: quit", "C: QUIT", "S: +OK"}));
  EXPECT_EQ(h.events, (std::vector<std::string>{"Authenticated pipelining=0 caps=UIDL", "ListingDone uidl=1",
                                                "Closed"}));
}

TEST(SessionFetch, BadUidlEntriesFailTheSession) {
  const std::vector<std::string> bad = {
      "1 has space",
      "1 ctl\x01"
      "char",
      "1 " + std::string(300, 'u'),
      "1 tab\there",
      "0 zero",
      "x abc",
      "1 ",
  };
  for (const std::string& entry : bad) {
    SCOPED_TRACE(entry);
    Harness h;
    authenticate(h, false);
    ASSERT_TRUE(h.run({"C: LIST", "S: +OK", "S: 1 10", "S: .", "C: UIDL", "S: +OK"}));
    h.server_raw(entry + "\r\n.\r\n");
    ASSERT_TRUE(h.error);
    EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
    EXPECT_TRUE(h.error->message.starts_with("bad UIDL entry '")) << h.error->message;
    for (const std::string& event : h.events) EXPECT_FALSE(event.starts_with("ListingDone"));
  }
}

TEST(SessionFetch, BadListEntriesFailTheSession) {
  for (const std::string entry : {"1", "one 10", "1 -10", "1 99999999999999999999", "0 10"}) {
    SCOPED_TRACE(entry);
    Harness h;
    authenticate(h, false);
    ASSERT_TRUE(h.run({"C: LIST", "S: +OK"}));
    h.server_raw(entry + "\r\n.\r\n");
    ASSERT_TRUE(h.error);
    EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
    EXPECT_TRUE(h.error->message.starts_with("bad LIST entry '")) << h.error->message;
  }
}

TEST(SessionFetch, ListErr) {
  Harness plain;
  authenticate(plain, false);
  ASSERT_TRUE(plain.run({"C: LIST", "S: -ERR mailbox corrupt"}));
  ASSERT_TRUE(plain.error);
  EXPECT_EQ(plain.error->kind, SessionErrorKind::CommandRejected);
  EXPECT_EQ(plain.error->message, "LIST failed: mailbox corrupt");

  Harness temp;
  authenticate(temp, false);
  ASSERT_TRUE(temp.run({"C: LIST", "S: -ERR [SYS/TEMP] try again"}));
  ASSERT_TRUE(temp.error);
  EXPECT_EQ(temp.error->kind, SessionErrorKind::TempFail);
}

TEST(SessionFetch, DataWithNothingInFlight) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  EXPECT_TRUE(h.session().idle());
  h.server_raw("+OK unsolicited\r\n");
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
  EXPECT_EQ(h.error->message, "server sent data while no command was outstanding: '+OK unsolicited?\?'");
}

TEST(SessionFetch, ReplyBundledWithTheGreetingIsUnsolicited) {
  Harness h;
  h.server_raw("+OK ready\r\n+OK a reply to CAPA we have not sent yet\r\n");
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
  EXPECT_EQ(h.client_bytes, "") << "the CAPA written for the greeting is dropped, not sent";
}

TEST(SessionFetch, QuitErr) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: remove 1", "C: DELE 1", "S: +OK", "D: quit", "C: QUIT",
                     "S: -ERR [SYS/TEMP] some deleted messages not removed"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::TempFail);
  EXPECT_EQ(
      h.error->message,
      "QUIT failed, deletions may not have been committed: [SYS/TEMP] some deleted messages not removed");
}

TEST(SessionFetch, GarbageWhilePipelinedIsMarked) {
  Harness h(pipelined_options(), FeedMode::Coalesced);
  authenticate(h, true);
  list_messages(h, true, 2);
  ASSERT_TRUE(h.run({"D: retrieve 1", "D: retrieve 2", "C: RETR 1", "C: RETR 2", "S: what is this"}));
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->kind, SessionErrorKind::Protocol);
  EXPECT_TRUE(h.error->during_pipelining);
  EXPECT_EQ(h.error->message, "bad reply to RETR 1: 'what is this'");
}

TEST(SessionFetch, DriverMisuse) {
  Harness early;
  ASSERT_TRUE(early.run({"S: +OK", "D: retrieve 1"}));
  ASSERT_TRUE(early.error);
  EXPECT_EQ(early.error->kind, SessionErrorKind::Usage);
  EXPECT_EQ(early.error->message, "retrieve() called before the session was authenticated");

  Harness late;
  authenticate(late, false);
  list_messages(late, false, 1);
  ASSERT_TRUE(late.run({"D: quit", "D: retrieve 1"}));
  ASSERT_TRUE(late.error);
  EXPECT_EQ(late.error->message, "retrieve() called after quit()");

  Harness zero;
  authenticate(zero, false);
  list_messages(zero, false, 1);
  ASSERT_TRUE(zero.run({"D: remove 0"}));
  ASSERT_TRUE(zero.error);
  EXPECT_EQ(zero.error->kind, SessionErrorKind::Usage);
}

TEST(SessionFetch, RetrievesQueuedDuringTheListingWaitForIt) {
  Harness h;
  authenticate(h, false);
  ASSERT_TRUE(h.run({"C: LIST", "S: +OK", "S: 1 10", "D: retrieve 1", "S: .", "C: UIDL", "S: +OK", "S: 1 a",
                     "S: .", "C: RETR 1"}));
}

TEST(SessionFetch, MessageDataStaysValidUntilTheNextCall) {
  Harness h;
  authenticate(h, false);
  list_messages(h, false, 1);
  ASSERT_TRUE(h.run({"D: retrieve 1", "C: RETR 1"}));
  Session& session = h.session();
  session.receive("+OK\r\nfirst\r\n");
  session.receive("second\r\n.\r\n");  // the driver may receive twice before draining
  std::string body;
  while (std::optional<Event> event = session.next_event()) {
    if (const auto* data = std::get_if<MessageData>(&*event)) body.append(data->chunk);
  }
  EXPECT_EQ(body, "first\r\nsecond\r\n");
}

}  // namespace
}  // namespace pop3::testing
