// LmtpTarget without an LMTP server: addresses, a server that is down, one
// that never answers. (Deliveries into a real Dovecot: lmtp_dovecot_test.cpp.)
#include "deliver/lmtp_target.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "deliver/fake_lmtp_server.hpp"
#include "deliver/run_delivery.hpp"
#include "net/uv.hpp"
#include "support/socket_util.hpp"
#include "support/temp_dir.hpp"

namespace deliver {
namespace {

using deliver_test::make_message;
using deliver_test::run_delivery;

TEST(LmtpAddress, Parses) {
  auto unix_socket = parse_lmtp_address("unix:/run/dovecot/lmtp");
  ASSERT_TRUE(unix_socket);
  EXPECT_TRUE(unix_socket->unix_socket);
  EXPECT_EQ(unix_socket->path, "/run/dovecot/lmtp");
  auto tcp = parse_lmtp_address("127.0.0.1:24");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->host, "127.0.0.1");
  EXPECT_EQ(tcp->port, 24);
  auto v6 = parse_lmtp_address("[::1]:2424");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 2424);
  auto name = parse_lmtp_address("mail.example.org:24");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "mail.example.org");
  for (const char* bad : {"", "unix:", "localhost", "localhost:", ":24", "host:0", "host:65536", "host:24x",
                          "::1:24", "[::1:24", "[]:24"}) {
    EXPECT_FALSE(parse_lmtp_address(bad)) << bad;
  }
  EXPECT_FALSE(parse_lmtp_address("unix:/" + std::string(200, 'x')));
}

class LmtpTargetTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(loop_.close(), 0u) << loop_.leaked_handles(); }

  Outcome deliver_to(const std::string& address, std::chrono::seconds timeout = std::chrono::seconds(5)) {
    config::DeliveryTarget config;
    config.kind = config::DeliveryTarget::Kind::Lmtp;
    config.address = address;
    config.recipient = "alice@example.org";
    config.timeout = timeout;
    LmtpTarget target(loop_.get(), config);
    auto result = run_delivery(loop_.get(), target, make_message("Subject: x\r\n\r\nbody\r\n"));
    EXPECT_EQ(result.calls, 1);
    EXPECT_FALSE(result.called_inside);
    return result.outcome.value_or(Outcome{Verdict::Delivered, "no outcome"});
  }

  net::UvLoop loop_;
};

TEST_F(LmtpTargetTest, DialogueOverTheWireWithAFinal452IsTemporary) {
  deliver_test::FakeLmtpServer server("452 4.2.2 Mailbox full\r\n");
  config::DeliveryTarget config;
  config.kind = config::DeliveryTarget::Kind::Lmtp;
  config.address = "127.0.0.1:" + std::to_string(server.port());
  config.recipient = "alice@example.org";
  LmtpTarget target(loop_.get(), config);
  auto result = run_delivery(loop_.get(), target,
                             make_message("Return-Path: <b@example.org>\r\nSubject: x\r\n\r\n.dot\r\n"));
  ASSERT_TRUE(result.outcome);
  EXPECT_EQ(result.outcome->verdict, Verdict::Temporary);
  EXPECT_NE(result.outcome->detail.find("452 4.2.2 Mailbox full"), std::string::npos)
      << result.outcome->detail;
  EXPECT_EQ(server.received(),
            "LHLO " + target.client_name() +
                "\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
                "Return-Path: <b@example.org>\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n");
}

TEST_F(LmtpTargetTest, ServerDroppingMidMessageIsTemporary) {
  deliver_test::FakeLmtpServer server("");
  std::string raw = "Subject: big\r\n\r\n";
  while (raw.size() < 4 * 1024 * 1024) raw += std::string(900, 'z') + "\r\n";
  config::DeliveryTarget config;
  config.kind = config::DeliveryTarget::Kind::Lmtp;
  config.address = "127.0.0.1:" + std::to_string(server.port());
  config.recipient = "alice@example.org";
  LmtpTarget target(loop_.get(), config);
  auto result = run_delivery(loop_.get(), target, make_message(raw));
  ASSERT_TRUE(result.outcome);
  EXPECT_EQ(result.outcome->verdict, Verdict::Temporary) << result.outcome->detail;
  // Reset while we were still writing, or closed: either way named.
  EXPECT_TRUE(result.outcome->detail.find("reset") != std::string::npos ||
              result.outcome->detail.find("closed the connection") != std::string::npos)
      << result.outcome->detail;
}

TEST_F(LmtpTargetTest, TcpServerDownIsTemporary) {
  auto port = test_support::find_free_port();
  ASSERT_TRUE(port);
  const Outcome outcome = deliver_to("127.0.0.1:" + std::to_string(*port));
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("refused"), std::string::npos) << outcome.detail;
}

TEST_F(LmtpTargetTest, UnixSocketMissingOrNotListeningIsTemporary) {
  auto dir = test_support::TempDir::create("popfetchd-lmtp-");
  ASSERT_TRUE(dir);
  const std::string missing = (dir->path() / "missing").string();
  Outcome outcome = deliver_to("unix:" + missing);
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("cannot connect to unix:" + missing), std::string::npos) << outcome.detail;

  // A socket file whose server is gone: bound, never listening.
  const std::string dead = (dir->path() / "dead").string();
  common::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  dead.copy(address.sun_path, sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  outcome = deliver_to("unix:" + dead);
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("refused"), std::string::npos) << outcome.detail;
}

TEST_F(LmtpTargetTest, SilentServerTimesOutAsTemporary) {
  auto listener = test_support::listen_tcp();  // the kernel accepts; nobody ever speaks
  ASSERT_TRUE(listener);
  auto port = test_support::local_port(listener->get());
  ASSERT_TRUE(port);
  const Outcome outcome = deliver_to("127.0.0.1:" + std::to_string(*port), std::chrono::seconds(1));
  EXPECT_EQ(outcome.verdict, Verdict::Temporary);
  EXPECT_NE(outcome.detail.find("within 1s"), std::string::npos) << outcome.detail;
}

TEST_F(LmtpTargetTest, UnusableAddressIsPermanentButReportedLater) {
  const Outcome outcome = deliver_to("no-port-here");
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_NE(outcome.detail.find("unusable LMTP address"), std::string::npos);
}

TEST_F(LmtpTargetTest, DestroyedWithADeliveryInFlightLeaksNothing) {
  auto listener = test_support::listen_tcp();
  ASSERT_TRUE(listener);
  auto port = test_support::local_port(listener->get());
  ASSERT_TRUE(port);
  config::DeliveryTarget config;
  config.kind = config::DeliveryTarget::Kind::Lmtp;
  config.address = "127.0.0.1:" + std::to_string(*port);
  config.recipient = "alice@example.org";
  bool called = false;
  {
    LmtpTarget target(loop_.get(), config);
    target.deliver(Attempt{make_message("x\r\n"), false}, [&called](Outcome) { called = true; });
    uv_run(loop_.get(), UV_RUN_NOWAIT);
  }
  EXPECT_EQ(loop_.close(), 0u);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace deliver
