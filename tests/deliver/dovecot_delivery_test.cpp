// LmtpTarget and MdaTarget against a real Dovecot: its LMTP server over a
// unix socket and TCP, and dovecot-lda as the MDA. What they delivered is read
// back through that Dovecot's POP3 server and compared byte for byte (Dovecot
// only prepends its trace headers).
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "deliver/lmtp_target.hpp"
#include "deliver/mda_target.hpp"
#include "deliver/run_delivery.hpp"
#include "net/uv.hpp"
#include "support/dovecot_server.hpp"
#include "support/line_client.hpp"

namespace deliver {
namespace {

using deliver_test::make_message;
using deliver_test::run_delivery;
using test_support::DovecotServer;
using test_support::LineClient;

// Dot lines, a lone "." line, 8-bit text, a long line: what LMTP's
// dot-stuffing and the LF conversion for the MDA must carry unchanged.
const std::string kBody =
    "From: Sender <sender@example.org>\r\n"
    "To: alice@example.org\r\n"
    "Subject: delivery test\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    ".a line with a leading dot\r\n"
    ".\r\n"
    "..two dots\r\n"
    "gr\xc3\xbc\xc3\x9f"
    "e\r\n" +
    std::string(900, 'x') + "\r\n" + "last line\r\n";
const std::string kRaw = "Return-Path: <bounce@example.org>\r\n" + kBody;

class DovecotDeliveryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new DovecotServer;
    ASSERT_TRUE(server_->add_user("alice", "secret"));
    DovecotServer::Options options = DovecotServer::Options::without_ssl();
    options.lmtp = true;
    auto started = server_->start(options);
    ASSERT_TRUE(started) << started.error().message;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override { EXPECT_EQ(loop_.close(), 0u) << loop_.leaked_handles(); }

  // The messages in alice's mailbox, through POP3 (without deleting them).
  static std::vector<std::string> mailbox() {
    std::vector<std::string> messages;
    auto client = LineClient::connect(server_->host(), server_->pop3_port());
    EXPECT_TRUE(client) << client.error().message;
    if (!client) return messages;
    (void)client->read_line();
    (void)client->command("USER alice");
    auto pass = client->command("PASS secret");
    EXPECT_TRUE(pass && pass->rfind("+OK", 0) == 0);
    auto stat = client->command("STAT");
    EXPECT_TRUE(stat && stat->rfind("+OK ", 0) == 0);
    const int count = stat ? std::stoi(stat->substr(4)) : 0;
    for (int i = 1; i <= count; ++i) {
      auto reply = client->command("RETR " + std::to_string(i));
      EXPECT_TRUE(reply && reply->rfind("+OK", 0) == 0);
      auto body = client->read_multiline();
      EXPECT_TRUE(body);
      messages.push_back(body ? *body : "");
    }
    (void)client->command("QUIT");
    return messages;
  }

  Outcome deliver(Target& target, const std::string& raw = kRaw) {
    auto result = run_delivery(loop_.get(), target, make_message(raw));
    EXPECT_EQ(result.calls, 1);
    EXPECT_FALSE(result.called_inside);
    return result.outcome.value_or(Outcome{Verdict::Temporary, "no outcome"});
  }

  config::DeliveryTarget lmtp(const std::string& address, const std::string& recipient = "alice") {
    config::DeliveryTarget config;
    config.kind = config::DeliveryTarget::Kind::Lmtp;
    config.address = address;
    config.recipient = recipient;
    config.timeout = std::chrono::seconds(10);
    return config;
  }

  config::DeliveryTarget mda(std::vector<std::string> argv) {
    config::DeliveryTarget config;
    config.kind = config::DeliveryTarget::Kind::Mda;
    config.argv = std::move(argv);
    config.timeout = std::chrono::seconds(30);
    return config;
  }

  // Delivered `raw` arrived as the newest message: Dovecot's own headers
  // first, then exactly our bytes (its Return-Path replaces ours).
  void expect_newest(std::size_t count_before, const std::string& body = kBody) {
    const auto messages = mailbox();
    ASSERT_EQ(messages.size(), count_before + 1) << server_->log_text();
    const std::string& got = messages.back();
    ASSERT_GE(got.size(), body.size());
    EXPECT_EQ(got.substr(got.size() - body.size()), body) << got;
    EXPECT_EQ(got.rfind("Return-Path: <bounce@example.org>\r\n", 0), 0u) << got;
  }

  static DovecotServer* server_;
  net::UvLoop loop_;
};

DovecotServer* DovecotDeliveryTest::server_ = nullptr;

TEST_F(DovecotDeliveryTest, LmtpOverUnixSocketDeliversTheBytes) {
  const std::size_t before = mailbox().size();
  LmtpTarget target(loop_.get(), lmtp("unix:" + server_->lmtp_socket().string()));
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Delivered) << outcome.detail << "\n" << server_->log_text();
  expect_newest(before);
}

TEST_F(DovecotDeliveryTest, LmtpOverTcpDeliversTheBytes) {
  const std::size_t before = mailbox().size();
  LmtpTarget target(loop_.get(), lmtp("127.0.0.1:" + std::to_string(server_->lmtp_port())));
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Delivered) << outcome.detail << "\n" << server_->log_text();
  expect_newest(before);
}

TEST_F(DovecotDeliveryTest, LmtpSeveralMessagesInOrder) {
  const std::size_t before = mailbox().size();
  LmtpTarget target(loop_.get(), lmtp("unix:" + server_->lmtp_socket().string()));
  for (int i = 0; i < 3; ++i) {
    const Outcome outcome =
        deliver(target, "Subject: n" + std::to_string(i) + "\r\n\r\nbody " + std::to_string(i) + "\r\n");
    EXPECT_EQ(outcome.verdict, Verdict::Delivered) << outcome.detail;
  }
  const auto messages = mailbox();
  ASSERT_EQ(messages.size(), before + 3);
  for (int i = 0; i < 3; ++i) {
    const std::string& got = messages[before + static_cast<std::size_t>(i)];
    EXPECT_NE(got.find("\r\nSubject: n" + std::to_string(i) + "\r\n\r\nbody " + std::to_string(i) + "\r\n"),
              std::string::npos)
        << got;
    EXPECT_EQ(got.rfind("Return-Path: <>\r\n", 0), 0u) << got;  // no Return-Path: the null sender
  }
}

TEST_F(DovecotDeliveryTest, LmtpUnknownRecipientIsPermanent) {
  const std::size_t before = mailbox().size();
  LmtpTarget target(loop_.get(), lmtp("unix:" + server_->lmtp_socket().string(), "nobody"));
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_NE(outcome.detail.find("RCPT TO with 550"), std::string::npos) << outcome.detail;
  EXPECT_EQ(mailbox().size(), before);
}

TEST_F(DovecotDeliveryTest, DovecotLdaAsMdaDeliversTheBytes) {
  ASSERT_FALSE(DovecotServer::dovecot_lda_program().empty()) << "dovecot-lda was not found";
  const std::size_t before = mailbox().size();
  MdaTarget target(loop_.get(), mda(server_->lda_command("alice", "bounce@example.org")), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Delivered) << outcome.detail << "\n" << server_->log_text();
  expect_newest(before);
}

// (dovecot-lda writes its complaint to the log_path of its config, not stderr.)
TEST_F(DovecotDeliveryTest, DovecotLdaUnknownUserIsPermanent) {
  ASSERT_FALSE(DovecotServer::dovecot_lda_program().empty()) << "dovecot-lda was not found";
  MdaTarget target(loop_.get(), mda(server_->lda_command("nobody")), {});
  const Outcome outcome = deliver(target);
  EXPECT_EQ(outcome.verdict, Verdict::Permanent);
  EXPECT_EQ(outcome.detail.rfind("exit 67", 0), 0u) << outcome.detail;  // EX_NOUSER
}

// Last: it stops and restarts the suite's server.
TEST_F(DovecotDeliveryTest, LmtpServerDownIsTemporaryAndDeliversWhenBack) {
  const std::size_t before = mailbox().size();
  LmtpTarget target(loop_.get(), lmtp("unix:" + server_->lmtp_socket().string()));
  ASSERT_TRUE(server_->stop());
  const Outcome down = deliver(target);
  EXPECT_EQ(down.verdict, Verdict::Temporary) << down.detail;
  EXPECT_NE(down.detail.find("cannot connect to unix:"), std::string::npos) << down.detail;
  DovecotServer::Options options = DovecotServer::Options::without_ssl();
  options.lmtp = true;
  auto started = server_->start(options);
  ASSERT_TRUE(started) << started.error().message;
  const Outcome back = deliver(target);
  EXPECT_EQ(back.verdict, Verdict::Delivered) << back.detail;
  expect_newest(before);
}

}  // namespace
}  // namespace deliver
