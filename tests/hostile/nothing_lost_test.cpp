// Issue 11, the losses that start in the POP3 engine, end to end: the real
// client against a scripted server that (1) passes bare LF through so a
// message can carry "\n.\n" and a fake reply after it, (18) sends a message
// that is one 2 MiB line, (17) behaves like Courier, which replaces a message
// with UTF-8 in its header by a notice unless the client sent UTF8, and (10)
// echoes the password in its -ERR. keep: false where a loss would show as a
// wrong DELE.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"

namespace hostile {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kPipeliningCapa = "+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n";

using NothingLost = HostileTest;

void deleting(config::Account& account) { account.keep = false; }

TEST_F(NothingLost, BareLfDotInABodyDoesNotEndItOrForgeTheNextReply) {
  // A stranger mails the victim a body with "\n.\n" followed by a fake RETR
  // reply; the server passes bare LF through unstuffed. Pipelined, the fake
  // would have been stored as message 2 and the real message 2 deleted.
  const std::string wire_one =
      "+OK message follows\r\nSubject: one\r\n\r\nhello\n.\n+OK 30 octets\nSubject: fake\n\nforged\n.\n"
      "the rest of one\r\n.\r\n";
  const std::string stored_one =
      "Subject: one\r\n\r\nhello\r\n.\r\n+OK 30 octets\r\nSubject: fake\r\n\r\nforged\r\n.\r\nthe rest of "
      "one\r\n";
  const Message two = message("uid-2", 2);
  std::vector<Message> messages = {Message{"uid-1", stored_one, std::nullopt}, two};

  FakePop3Script script;
  script.send_line("+OK hostile fake POP3 server ready")
      .expect("CAPA")
      .send(std::string(kPipeliningCapa))
      .expect("USER " + std::string(kUser))
      .send_line("+OK")
      .expect("PASS " + std::string(kPassword))
      .send_line("+OK logged in")
      .expect("CAPA")
      .send(std::string(kPipeliningCapa));
  listing(script, messages)
      .expect("RETR 1")
      .expect("RETR 2")
      .send(wire_one + retr_reply(two.raw))
      .expect("DELE 1")
      .send_line("+OK")
      .expect("DELE 2")
      .send_line("+OK");
  quit(script);
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_succeeded(outcome);
  const std::vector<StoredMessage> archive = stored();
  ASSERT_EQ(archive.size(), 2u);
  EXPECT_EQ(archive[0].uidl, "uid-1");
  EXPECT_EQ(archive[0].raw, stored_one);
  EXPECT_EQ(archive[1].uidl, "uid-2");
  EXPECT_EQ(archive[1].raw, two.raw);
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), ElementsAre("DELE 1", "DELE 2"));
}

TEST_F(NothingLost, AMessageThatIsOneTwoMibLineIsArchivedByteExact) {
  // Under max_message_size (10 MB) but one line of 2 MiB: once skipped at
  // every poll as "line too long", now archived whole and then deleted.
  Message huge = message("uid-huge", 7);
  huge.raw = "Subject: one long line\r\n\r\n" + std::string(2 * 1024 * 1024, 'z') + "\r\n";
  FakePop3Script script;
  login(script);
  listing(script, {huge});
  retrieve(script, 1, huge);
  remove(script, 1);
  quit(script);
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_succeeded(outcome);
  EXPECT_EQ(outcome.report.failed_messages, 0u);
  const std::vector<StoredMessage> archive = stored();
  ASSERT_EQ(archive.size(), 1u);
  EXPECT_TRUE(archive[0].raw == huge.raw) << "stored " << archive[0].raw.size() << " bytes";
  EXPECT_THAT(lines_starting_with(*outcome.server, "DELE"), ElementsAre("DELE 1"));
}

TEST_F(NothingLost, APasswordEchoedInTheErrIsNotLoggedOrReported) {
  // The server quotes the PASS line (and base64 of the password) back: the
  // error, the summary and every log line show "***" instead.
  FakePop3Script script;
  script.send_line("+OK hostile fake POP3 server ready")
      .expect("CAPA")
      .send(std::string(kPlainCapa))
      .expect("USER " + std::string(kUser))
      .send_line("+OK")
      .expect("PASS " + std::string(kPassword))
      .send_line("-ERR [AUTH] unknown command 'PASS " + std::string(kPassword) + "' (" +
                 secret_forms().back() + ")")
      .close();
  const ScriptedPoll outcome = poll_script(std::move(script));
  expect_failed(outcome.report, common::ErrorKind::Auth, "[AUTH] unknown command 'PASS ***' (***)",
                *outcome.server);
}

TEST_F(NothingLost, ACourierLikeServerGetsUtf8SoTheRealMessageIsArchived) {
  // Courier lists UTF8 in CAPA and, to a client that did not send UTF8,
  // answers RETR of a message with UTF-8 in its header with a generated
  // notice. Stored under the original's UIDL and then deleted, the original
  // was lost.
  Message real = message("uid-utf8", 11);
  real.raw =
      "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.org>\r\nSubject: Gr\xc3\xbc\xc3\x9f"
      "e aus K\xc3\xb6ln\r\n"
      "\r\nHallo!\r\n";
  const std::string notice =
      "From: Courier mail server <postmaster@example.org>\r\nSubject: Cannot display Unicode content\r\n\r\n"
      "This E-mail message was determined to be Unicode-formatted, but your E-mail reader does not support "
      "Unicode E-mail.\r\n";
  FakePop3Script script;
  script.send_line("+OK Hello there.")
      .expect("CAPA")
      .send(
          "+OK Here's what I can do:\r\nUSER\r\nUIDL\r\nUTF8 USER\r\nIMPLEMENTATION Courier Mail "
          "Server\r\n.\r\n")
      .expect_optional("UTF8", "+OK UNICODE ENABLED\r\n");
  user_pass(script);
  listing(script, {real}).expect("RETR 1").send_if_seen("UTF8", retr_reply(real.raw), retr_reply(notice));
  remove(script, 1);
  quit(script);
  const ScriptedPoll outcome = poll_script(std::move(script), deleting);
  expect_succeeded(outcome);
  const std::vector<StoredMessage> archive = stored();
  ASSERT_EQ(archive.size(), 1u);
  EXPECT_EQ(archive[0].raw, real.raw);
  EXPECT_THAT(lines_starting_with(*outcome.server, "UTF8"), ElementsAre("UTF8"));
}

}  // namespace
}  // namespace hostile
