// FakePop3Server against the blocking LineClient over real loopback sockets.

#include "support/fake_pop3_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "support/line_client.hpp"

namespace {

using test_support::FakePop3Script;
using test_support::FakePop3Server;
using test_support::LineClient;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

LineClient connect_to(const FakePop3Server& server) {
  auto client = LineClient::connect(server.host(), server.port());
  EXPECT_TRUE(client.ok()) << client.error().message;
  return std::move(*client);
}

TEST(FakePop3Server, RecordsEveryClientLineIncludingThoseAfterTheScript) {
  FakePop3Server server(FakePop3Script().send_line("+OK hi").expect("CAPA").send_line("-ERR no"));
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  EXPECT_EQ(*client.read_line(), "+OK hi");
  EXPECT_EQ(*client.command("CAPA"), "-ERR no");
  ASSERT_TRUE(client.send("USER a\r\nQUIT\n").ok());
  client.close();
  ASSERT_TRUE(server.wait_finished());
  EXPECT_THAT(server.received_lines(), ElementsAre("CAPA", "USER a", "QUIT"));
  EXPECT_THAT(server.errors(), IsEmpty());
  EXPECT_EQ(server.received_bytes(), 6U + 8U + 5U);
  EXPECT_EQ(server.client_closes(), 1U);
}

TEST(FakePop3Server, MismatchIsReportedAndTheConnectionClosed) {
  FakePop3Server server(FakePop3Script().send_line("+OK").expect_prefix("AUTH ").send_line("+OK never sent"));
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_EQ(*client.read_line(), "+OK");
  ASSERT_TRUE(client.send("USER bob\r\n").ok());
  EXPECT_TRUE(*client.at_eof());
  ASSERT_TRUE(server.wait_finished());
  EXPECT_THAT(server.errors(), ElementsAre(HasSubstr("\"AUTH \" but the client sent \"USER bob\"")));
}

TEST(FakePop3Server, RegexAndAnyLineSteps) {
  FakePop3Server server(FakePop3Script()
                            .send_line("+OK <1.2@fake>")
                            .expect_regex("APOP alice [0-9a-f]{32}")
                            .read_line()
                            .send_line("+OK done")
                            .close());
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_TRUE(client.read_line().ok());
  ASSERT_TRUE(client.send("APOP alice 0123456789abcdef0123456789abcdef\r\nNOOP whatever\r\n").ok());
  EXPECT_EQ(*client.read_line(), "+OK done");
  EXPECT_TRUE(*client.at_eof());
  ASSERT_TRUE(server.wait_finished());
  EXPECT_THAT(server.errors(), IsEmpty());
}

TEST(FakePop3Server, ClientClosingBeforeAnExpectedLineIsAnError) {
  FakePop3Server server(FakePop3Script().send_line("+OK").expect("QUIT"));
  ASSERT_TRUE(server.start().ok());
  {
    LineClient client = connect_to(server);
    ASSERT_TRUE(client.read_line().ok());
  }
  ASSERT_TRUE(server.wait_finished());
  EXPECT_THAT(server.errors(), ElementsAre(HasSubstr("closed the connection before")));
}

TEST(FakePop3Server, SendsHugeDataLazilyAndExactly) {
  constexpr std::uint64_t kTotal = 4ULL << 20;  // 4 MiB of a repeated line, never held in memory
  const std::string line = "0123456789 abcdefghij\r\n";
  FakePop3Server server(FakePop3Script().send_repeated(line, kTotal).close());
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  for (;;) {
    auto got = client.read_line();
    if (!got) break;
    ASSERT_EQ(*got, "0123456789 abcdefghij") << "line " << lines;
    bytes += line.size();
    ++lines;
  }
  // kTotal is not a multiple of the line: the last, partial line has no CRLF.
  EXPECT_EQ(lines, kTotal / line.size());
  EXPECT_EQ(bytes, kTotal - kTotal % line.size());
  ASSERT_TRUE(server.wait_finished());
  EXPECT_EQ(server.sent_bytes(), kTotal);
}

TEST(FakePop3Server, UnterminatedLineHasNoLineEnd) {
  FakePop3Server server(FakePop3Script().send_unterminated_line(2ULL << 20).close());
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  auto line = client.read_line();
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.error().kind, common::ErrorKind::Protocol);  // LineClient's 1 MiB cap
}

TEST(FakePop3Server, StallEndsWhenTheClientHangsUp) {
  FakePop3Server server(FakePop3Script().send_line("+OK").stall().send_line("never"));
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_EQ(*client.read_line(), "+OK");
  EXPECT_FALSE(server.wait_finished(std::chrono::milliseconds(0)));
  client.close();
  ASSERT_TRUE(server.wait_finished());
  EXPECT_EQ(server.client_closes(), 1U);
}

TEST(FakePop3Server, StopEndsAStallWhileTheClientStaysConnected) {
  FakePop3Server server(FakePop3Script().send_line("+OK").stall());
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_EQ(*client.read_line(), "+OK");
  server.stop();
  EXPECT_TRUE(*client.at_eof());
  EXPECT_EQ(server.client_closes(), 0U);
}

TEST(FakePop3Server, StopWhileSendingHugeDataToAClientThatDoesNotRead) {
  FakePop3Server server(FakePop3Script().send_repeated("x", 1ULL << 40));
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_TRUE(client.send("hello\r\n").ok());
  server.stop();  // must not hang although the socket buffers are full
  EXPECT_LT(server.sent_bytes(), 1ULL << 40);
}

TEST(FakePop3Server, ResetAbortsTheConnection) {
  FakePop3Server server(FakePop3Script().send_line("+OK").reset());
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_EQ(*client.read_line(), "+OK");
  char byte;
  EXPECT_EQ(::recv(client.fd(), &byte, 1, 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
}

TEST(FakePop3Server, RunsOneScriptPerConnectionInOrder) {
  FakePop3Server server(std::vector<FakePop3Script>{FakePop3Script().send_line("+OK first").close(),
                                                    FakePop3Script().send_line("+OK second").expect("QUIT")});
  ASSERT_TRUE(server.start().ok());
  {
    LineClient first = connect_to(server);
    EXPECT_EQ(*first.read_line(), "+OK first");
  }
  LineClient second = connect_to(server);
  EXPECT_EQ(*second.read_line(), "+OK second");
  ASSERT_TRUE(second.send("QUIT\r\n").ok());
  second.close();
  ASSERT_TRUE(server.wait_finished());
  EXPECT_EQ(server.connections_accepted(), 2U);
  EXPECT_THAT(server.received_lines(), ElementsAre("QUIT"));
  EXPECT_THAT(server.errors(), IsEmpty());
}

TEST(FakePop3Server, SameScriptForSeveralConnections) {
  FakePop3Server server(FakePop3Script().send_line("+OK again").close(), 3);
  ASSERT_TRUE(server.start().ok());
  for (int i = 0; i < 3; ++i) {
    LineClient client = connect_to(server);
    EXPECT_EQ(*client.read_line(), "+OK again");
  }
  ASSERT_TRUE(server.wait_finished());
  EXPECT_EQ(server.connections_accepted(), 3U);
}

TEST(FakePop3Server, BadRegexThrowsInTheTestThread) {
  EXPECT_THROW(FakePop3Script().expect_regex("("), std::regex_error);
}

TEST(FakePop3Server, StartTlsAnswersAClearTextClientWithAHandshakeError) {
  // The happy TLS path is exercised by tests/hostile with the real client;
  // here: a client that does not speak TLS gets a recorded error, not a hang.
  FakePop3Server server(FakePop3Script().send_line("+OK hi").expect("STLS").send_line("+OK go").start_tls(
      test_support::TestPki::instance().good));
  ASSERT_TRUE(server.start().ok());
  LineClient client = connect_to(server);
  ASSERT_EQ(*client.read_line(), "+OK hi");
  ASSERT_EQ(*client.command("STLS"), "+OK go");
  ASSERT_TRUE(client.send("CAPA\r\n").ok());  // not a ClientHello
  EXPECT_TRUE(*client.at_eof());
  ASSERT_TRUE(server.wait_finished());
  EXPECT_THAT(server.errors(), ElementsAre(HasSubstr("TLS handshake failed")));
  EXPECT_EQ(server.tls_handshakes(), 0U);
  EXPECT_THAT(server.received_lines(), ElementsAre("STLS"));
}

}  // namespace
