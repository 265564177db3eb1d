// Smoke tests of the integration fixtures: a real Dovecot started by
// DovecotServer serves what deliver() stored exactly as expected_pop3_bytes()
// predicts, TLS works with the generated CA (checked by OpenSSL's s_client
// too, when the `openssl` program is installed), and FakePop3Server runs a script.
// The POP3 client here is the blocking LineClient, not popfetchd's.

#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/fake_pop3_server.hpp"
#include "support/files.hpp"
#include "support/line_client.hpp"
#include "support/sample_message.hpp"

namespace {

using test_support::DovecotServer;
using test_support::FakePop3Script;
using test_support::FakePop3Server;
using test_support::LineClient;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::string_literals;

// Logs in with USER/PASS; fails the test (and returns nullopt) on any error.
std::optional<LineClient> login(const DovecotServer& server, const std::string& user,
                                const std::string& password) {
  auto client = LineClient::connect(server.host(), server.pop3_port());
  EXPECT_TRUE(client.ok()) << client.error().message;
  if (!client) return std::nullopt;
  auto greeting = client->read_line();
  EXPECT_TRUE(greeting.ok() && greeting->rfind("+OK", 0) == 0);
  auto user_reply = client->command("USER " + user);
  EXPECT_TRUE(user_reply.ok() && user_reply->rfind("+OK", 0) == 0);
  auto pass_reply = client->command("PASS " + password);
  EXPECT_TRUE(pass_reply.ok() && pass_reply->rfind("+OK", 0) == 0) << (pass_reply ? *pass_reply : "") << "\n"
                                                                   << server.log_text();
  if (!pass_reply || pass_reply->rfind("+OK", 0) != 0) return std::nullopt;
  return std::move(*client);
}

std::vector<std::string> capabilities(LineClient& client) {
  auto reply = client.command("CAPA");
  EXPECT_TRUE(reply.ok() && reply->rfind("+OK", 0) == 0);
  auto body = client.read_multiline();
  EXPECT_TRUE(body.ok());
  std::vector<std::string> lines;
  if (!body) return lines;
  std::size_t start = 0;
  for (std::size_t end; (end = body->find("\r\n", start)) != std::string::npos; start = end + 2) {
    lines.push_back(body->substr(start, end - start));
  }
  return lines;
}

std::string retrieve(LineClient& client, int number) {
  auto reply = client.command("RETR " + std::to_string(number));
  EXPECT_TRUE(reply.ok() && reply->rfind("+OK", 0) == 0) << (reply ? *reply : reply.error().message);
  auto body = client.read_multiline();
  EXPECT_TRUE(body.ok());
  return body ? *body : std::string();
}

// Every process whose command line mentions `text`.
std::vector<std::string> processes_mentioning(const std::string& text) {
  std::vector<std::string> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (const dirent* entry = ::readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = test_support::read_file("/proc/" + name + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(text) != std::string::npos) found.push_back(name + ": " + cmdline);
  }
  ::closedir(proc);
  return found;
}

TEST(DovecotSmoke, PlainServerServesDeliveredMessagesByteExact) {
  DovecotServer server;
  ASSERT_TRUE(server.add_user("alice", "secret-1").ok());
  const std::vector<std::string> messages = {
      test_support::make_message(1, 600),
      test_support::make_message(2, 900, {.dot_lines = true}),
      test_support::make_message(3, 1500, {.eight_bit = true}),
  };
  std::size_t total = 0;
  std::vector<test_support::DeliveredMessage> delivered;
  for (const auto& raw : messages) {
    auto message = server.deliver("alice", raw);
    ASSERT_TRUE(message.ok()) << message.error().message;
    total += message->list_size;
    delivered.push_back(*message);
  }
  auto started = server.start(test_support::DovecotOptions::without_ssl());
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(server.pop3s_port(), 0);
  EXPECT_EQ(*server.mailbox_size("alice"), 3U);

  auto client = login(server, "alice", "secret-1");
  ASSERT_TRUE(client);
  EXPECT_THAT(capabilities(*client), Not(Contains("STLS")));
  EXPECT_EQ(*client->command("STAT"), "+OK 3 " + std::to_string(total));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*client->command("LIST " + std::to_string(i + 1)),
              "+OK " + std::to_string(i + 1) + " " + std::to_string(delivered[i].list_size));
    const std::string got = retrieve(*client, i + 1);
    EXPECT_EQ(got, DovecotServer::expected_pop3_bytes(messages[i])) << "message " << i + 1;
    // make_message() writes CRLF messages that end in CRLF: Dovecot must not change them.
    EXPECT_EQ(got, messages[i]);
  }
  EXPECT_THAT(*client->command("DELE 2"), StartsWith("+OK"));
  EXPECT_THAT(*client->command("QUIT"), StartsWith("+OK"));
  // Dovecot expunges before it answers QUIT.
  EXPECT_EQ(*server.mailbox_size("alice"), 2U);

  auto logged =
      server.wait_for_log_line(DovecotServer::login_log_prefix() + "user=<alice>", client->local_port());
  ASSERT_TRUE(logged) << server.log_text();
  EXPECT_THAT(*logged, HasSubstr("method=PLAIN"));
  EXPECT_THAT(*logged, Not(HasSubstr("secret-1")));
}

// The table of what Dovecot does with odd bytes (support/maildir_message.hpp),
// checked against the real server: LIST sizes and RETR bytes.
TEST(DovecotSmoke, ServesOddMessagesExactlyAsModelled) {
  const std::vector<std::string> messages = {
      std::string("Subject: lf\n\nline1\nline2\n"),
      std::string("Subject: no final newline\r\n\r\nlast line"),
      std::string(""),
      "Subject: nul\r\n\r\nbefore\0after\r\n\0"s,
      std::string("Subject: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9f"
                  "e \xff\xfe\x80\r\n"),
      std::string("Subject: bare cr\r\n\r\nbare\rcr\r\nends in cr\r"),
      std::string("Subject: cr before crlf\r\n\r\nab\r\r\nend\r\n"),
      std::string("Subject: dots\r\n\r\n.\r\n..\r\n.x\r\n."),
      std::string("Subject: mixed\r\n\r\ncrlf\r\nlf\nend\n"),
  };
  DovecotServer server;
  ASSERT_TRUE(server.add_user("odd", "pw").ok());
  std::vector<test_support::DeliveredMessage> delivered;
  for (const auto& raw : messages) {
    auto message = server.deliver("odd", raw);
    ASSERT_TRUE(message.ok());
    delivered.push_back(*message);
  }
  auto started = server.start(test_support::DovecotOptions::without_ssl());
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto client = login(server, "odd", "pw");
  ASSERT_TRUE(client);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const int number = static_cast<int>(i + 1);
    EXPECT_EQ(*client->command("LIST " + std::to_string(number)),
              "+OK " + std::to_string(number) + " " + std::to_string(delivered[i].list_size))
        << "message " << number;
    EXPECT_EQ(retrieve(*client, number), delivered[i].expected_pop3) << "message " << number;
  }
  EXPECT_THAT(*client->command("QUIT"), StartsWith("+OK"));
}

TEST(DovecotSmoke, TlsServerOffersStlsAndPop3sVerifiesAgainstTheTestCa) {
  DovecotServer server;
  ASSERT_TRUE(server.add_user("bob", "pw-2").ok());
  auto started = server.start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  RecordProperty("dovecot_start_with_certificates_ms",
                 static_cast<int>(server.last_start_duration().count()));
  ASSERT_NE(server.pop3s_port(), 0);
  ASSERT_TRUE(std::filesystem::exists(server.ca_file()));

  auto client = LineClient::connect(server.host(), server.pop3_port());
  ASSERT_TRUE(client.ok());
  ASSERT_THAT(*client->read_line(), StartsWith("+OK"));
  const auto capa = capabilities(*client);
  EXPECT_THAT(capa, Contains("STLS"));
  EXPECT_THAT(capa, Contains("SASL PLAIN LOGIN CRAM-MD5"));
  EXPECT_THAT(*client->command("QUIT"), StartsWith("+OK"));
}

// A second opinion on the mbedTLS-made certificates: OpenSSL's own client, the
// library Dovecot serves them with. Optional, so the suite needs no openssl.
TEST(DovecotSmoke, OpensslVerifiesTheFixtureCertificatesOverPop3sAndStls) {
  const std::string openssl = POPFETCHD_TEST_OPENSSL;
  if (openssl.empty()) GTEST_SKIP() << "openssl was not found when the tests were configured";
  DovecotServer server;
  ASSERT_TRUE(server.add_user("bob", "pw-2").ok());
  auto started = server.start();
  ASSERT_TRUE(started.ok()) << started.error().message;

  // POP3S from the first byte, and STLS, each with full verification
  // (chain to ca_file, host name) by the openssl command line client.
  const auto out = server.dir() / "s_client.out";
  const std::string pop3s = "127.0.0.1:" + std::to_string(server.pop3s_port());
  const std::string pop3 = "127.0.0.1:" + std::to_string(server.pop3_port());
  auto tls =
      test_support::ChildProcess::run({openssl, "s_client", "-connect", pop3s, "-CAfile", server.ca_file(),
                                       "-verify_return_error", "-verify_hostname", "localhost", "-brief"},
                                      out);
  EXPECT_TRUE(tls.ok()) << tls.error().message;
  auto starttls = test_support::ChildProcess::run(
      {openssl, "s_client", "-starttls", "pop3", "-connect", pop3, "-CAfile", server.ca_file(),
       "-verify_return_error", "-verify_ip", "127.0.0.1", "-brief"},
      out);
  EXPECT_TRUE(starttls.ok()) << starttls.error().message;
  const std::string text = test_support::read_file(out);
  EXPECT_THAT(text, HasSubstr("Verified peername: localhost"));
  // Both handshakes verified (s_client -brief prints one such line each).
  const auto first = text.find("Verification: OK");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_NE(text.find("Verification: OK", first + 1), std::string::npos) << text;
}

TEST(DovecotSmoke, UsersAddedAfterStartCanLogInAtOnce) {
  DovecotServer server;
  ASSERT_TRUE(server.add_user("first", "one").ok());
  auto started = server.start(test_support::DovecotOptions::without_ssl());
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(login(server, "first", "one"));
  // Within the same second as the lookup above: the fixture must still make
  // Dovecot notice the changed passwd-file.
  ASSERT_TRUE(server.add_user("second", "two").ok());
  ASSERT_TRUE(server.deliver("second", test_support::make_message(7, 300)).ok());
  auto client = login(server, "second", "two");
  ASSERT_TRUE(client);
  EXPECT_THAT(*client->command("STAT"), StartsWith("+OK 1 "));
}

TEST(DovecotSmoke, LogShowsAuthFailuresAndConnectionsWithoutAuth) {
  DovecotServer server;
  ASSERT_TRUE(server.add_user("carol", "right").ok());
  ASSERT_TRUE(server.start(test_support::DovecotOptions::without_ssl()).ok());

  auto idle = LineClient::connect(server.host(), server.pop3_port());
  ASSERT_TRUE(idle.ok());
  ASSERT_THAT(*idle->read_line(), StartsWith("+OK"));
  EXPECT_THAT(*idle->command("QUIT"), StartsWith("+OK"));
  EXPECT_TRUE(server.wait_for_log_line("no auth attempts", idle->local_port())) << server.log_text();

  auto wrong = LineClient::connect(server.host(), server.pop3_port());
  ASSERT_TRUE(wrong.ok());
  ASSERT_THAT(*wrong->read_line(), StartsWith("+OK"));
  EXPECT_THAT(*wrong->command("USER carol"), StartsWith("+OK"));
  EXPECT_THAT(*wrong->command("PASS wrong"), StartsWith("-ERR [AUTH]"));
  EXPECT_THAT(*wrong->command("QUIT"), StartsWith("+OK"));
  auto failed = server.wait_for_log_line("auth failed", wrong->local_port());
  ASSERT_TRUE(failed) << server.log_text();
  EXPECT_THAT(*failed, Not(HasSubstr("no auth attempts")));
  EXPECT_THAT(server.log_text(), Not(HasSubstr("wrong")));
}

// The limits in the fixture's config allow 100+ sessions at once from one IP
// (the daemon's concurrency tests), also 30 per user (Dovecot's default
// mail_max_userip_connections is 10).
TEST(DovecotSmoke, HoldsOverHundredSessionsAtOnce) {
  constexpr int kUsers = 4;
  constexpr int kSessions = 120;
  DovecotServer server;
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = "user" + std::to_string(u);
    ASSERT_TRUE(server.add_user(user, "pw" + std::to_string(u)).ok());
    ASSERT_TRUE(server.deliver(user, test_support::make_message(static_cast<std::uint64_t>(u), 200)).ok());
  }
  ASSERT_TRUE(server.start(test_support::DovecotOptions::without_ssl()).ok());
  std::vector<LineClient> clients;
  for (int i = 0; i < kSessions; ++i) {
    const int u = i % kUsers;
    auto client = login(server, "user" + std::to_string(u), "pw" + std::to_string(u));
    ASSERT_TRUE(client) << "session " << i;
    clients.push_back(std::move(*client));
  }
  // All sessions are open at the same time now.
  for (auto& client : clients) EXPECT_THAT(*client.command("STAT"), StartsWith("+OK 1 "));
  for (auto& client : clients) EXPECT_THAT(*client.command("QUIT"), StartsWith("+OK"));
}

TEST(DovecotSmoke, StopLeavesNoProcessBehind) {
  DovecotServer server;
  ASSERT_TRUE(server.start(test_support::DovecotOptions::without_ssl()).ok());
  // Reported, never asserted: how long a start and a stop take here.
  RecordProperty("dovecot_start_ms", static_cast<int>(server.last_start_duration().count()));
  const std::string instance = server.instance_name();
  ASSERT_FALSE(instance.empty());
  ASSERT_FALSE(processes_mentioning(instance).empty());
  const auto stop_began = std::chrono::steady_clock::now();
  ASSERT_TRUE(server.stop().ok());
  RecordProperty("dovecot_stop_ms", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                         std::chrono::steady_clock::now() - stop_began)
                                                         .count()));
  EXPECT_FALSE(server.running());
  EXPECT_THAT(processes_mentioning(instance), ElementsAre());
  EXPECT_THAT(processes_mentioning(server.dir().string()), ElementsAre());
}

TEST(FakePop3Smoke, ScriptedGreetingAndCapaReachTheClient) {
  FakePop3Server server(FakePop3Script()
                            .send_line("+OK fake POP3 ready")
                            .expect("CAPA")
                            .send("+OK\r\nUIDL\r\nUSER\r\n.\r\n")
                            .expect("QUIT")
                            .send_line("+OK bye")
                            .close());
  ASSERT_TRUE(server.start().ok());
  auto client = LineClient::connect(server.host(), server.port());
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(*client->read_line(), "+OK fake POP3 ready");
  EXPECT_EQ(*client->command("CAPA"), "+OK");
  EXPECT_EQ(*client->read_multiline(), "UIDL\r\nUSER\r\n");
  EXPECT_EQ(*client->command("QUIT"), "+OK bye");
  EXPECT_TRUE(*client->at_eof());
  ASSERT_TRUE(server.wait_finished());
  EXPECT_THAT(server.received_lines(), ElementsAre("CAPA", "QUIT"));
  EXPECT_THAT(server.errors(), ElementsAre());
}

}  // namespace
