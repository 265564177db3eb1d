// auth: cram-md5 ("encrypted password") against a server that offers neither
// SASL CRAM-MD5 nor an APOP timestamp must fail without the password ever
// leaving; the two ways it may succeed are controls. A rejected login is an
// Auth error that does not echo the password. A SCRAM server whose final
// signature is forged is refused before any mail command.

#include "pop3/auth.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hostile/dialogue.hpp"
#include "hostile/poll_harness.hpp"
#include "net/mbed_digests.hpp"
#include "pop3/base64.hpp"

namespace hostile {
namespace {

using ::testing::ElementsAre;

class CramMd5 : public HostileTest {
 protected:
  // poll_script()'s adjustment: authenticate with CRAM-MD5.
  static void cram(config::Account& account) { account.auth = config::AuthMethod::CramMd5; }

  // The controls' common end: after the authentication in `script`, one
  // message is listed, retrieved and stored, and the password never went out.
  void expect_one_message_fetched_without_the_password(FakePop3Script script) {
    const std::vector<Message> messages = {message("uid-1", 1)};
    listing(script, messages);
    retrieve(script, 1, messages[0]);
    quit(script);
    const ScriptedPoll outcome = poll_script(std::move(script), cram);
    expect_succeeded(outcome);
    EXPECT_EQ(stored().size(), 1u);
    expect_password_never_sent(*outcome.server);
  }
};

TEST_F(CramMd5, NeitherCramMd5NorApopFailsWithoutSendingThePassword) {
  // SASL PLAIN and USER are on offer (the password would be one line away);
  // the greeting has no <timestamp>.
  const ScriptedPoll outcome = poll_script(FakePop3Script()
                                               .send_line("+OK ready")
                                               .expect("CAPA")
                                               .send("+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\nUIDL\r\n.\r\n")
                                               .stall(),
                                           cram);
  expect_failed(outcome.report, ErrorKind::Auth, "offers neither SASL CRAM-MD5 nor APOP", *outcome.server);
  EXPECT_NE(outcome.report.error->message.find("the password was not sent"), std::string::npos);
  EXPECT_EQ(outcome.report.retry, fetch::RetryHint::Permanent);  // retrying cannot help
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA"));
  expect_no_credentials_sent(*outcome.server);
}

TEST_F(CramMd5, NoCapaAndNoTimestampFailsWithoutSendingThePassword) {
  const ScriptedPoll outcome = poll_script(
      FakePop3Script().send_line("+OK ready").expect("CAPA").send_line("-ERR no CAPA here").stall(), cram);
  expect_failed(outcome.report, ErrorKind::Auth, "offers neither SASL CRAM-MD5 nor APOP", *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA"));
  expect_no_credentials_sent(*outcome.server);
}

TEST_F(CramMd5, SaslCramMd5SendsOnlyTheDigest) {
  // RFC 2195's challenge; the response is "user hex(HMAC-MD5(password, challenge))".
  const std::string challenge = "<1896.697170952@postoffice.reston.mci.net>";
  auto digests = net::MbedDigests::create();
  ASSERT_TRUE(digests.ok());
  const std::string response =
      pop3::cram_md5_response(std::string(kUser), std::string(kPassword), challenge, **digests);
  FakePop3Script script;
  script.send_line("+OK ready")
      .expect("CAPA")
      .send("+OK\r\nSASL CRAM-MD5 PLAIN\r\nUIDL\r\n.\r\n")
      .expect("AUTH CRAM-MD5")
      .send_line("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+")
      .expect(response)
      .send_line("+OK welcome")
      .expect("CAPA")
      .send(std::string(kPlainCapa));
  expect_one_message_fetched_without_the_password(std::move(script));
}

TEST_F(CramMd5, ApopSendsOnlyTheDigest) {
  FakePop3Script script;
  script.send_line("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>")
      .expect("CAPA")
      .send_line("-ERR unknown command")
      .expect_regex("APOP alice [0-9a-f]{32}")
      .send_line("+OK maildrop locked and ready");
  expect_one_message_fetched_without_the_password(std::move(script));
}

using Login = HostileTest;

FakePop3Script refusing_pass() {
  FakePop3Script script;
  script.send_line("+OK ready")
      .expect("CAPA")
      .send(std::string(kPlainCapa))
      .expect("USER alice")
      .send_line("+OK")
      .expect_prefix("PASS ")
      .send_line("-ERR [AUTH] invalid user name or password")
      .stall();
  return script;
}

TEST_F(Login, RejectedPasswordIsAnAuthErrorThatIsNotRetriedSoon) {
  const ScriptedPoll outcome = poll_script(refusing_pass());
  expect_failed(outcome.report, ErrorKind::Auth,
                "authentication failed (PASS): [AUTH] invalid user name or password", *outcome.server);
  EXPECT_EQ(outcome.report.retry, fetch::RetryHint::AuthFailed);
}

TEST_F(Login, ARefusedDefaultedUsernameSaysWhereItCameFrom) {
  const ScriptedPoll outcome = poll_script(refusing_pass(), [](config::Account& account) {
    account.email = "alice@example.com";
    account.username_from_email = true;
  });
  expect_failed(outcome.report, ErrorKind::Auth,
                "invalid user name or password; username 'alice' was taken from alice@example.com; many "
                "providers need the whole address: set username:",
                *outcome.server);
}

TEST_F(Login, AGivenUsernameGetsNoHint) {
  const ScriptedPoll outcome =
      poll_script(refusing_pass(), [](config::Account& account) { account.email = "alice@example.com"; });
  expect_failed(outcome.report, ErrorKind::Auth, "invalid user name or password", *outcome.server);
  EXPECT_EQ(outcome.report.error->message.find("was taken from"), std::string::npos);
}

// The real digests with a fixed "random" SCRAM nonce, so a scripted server
// can answer the client's first message.
class FixedNonceDigests : public pop3::Digests {
 public:
  explicit FixedNonceDigests(std::string random) : random_(std::move(random)) {
    auto real = net::MbedDigests::create();
    EXPECT_TRUE(real.ok());
    if (real.ok()) real_ = std::move(*real);
  }
  pop3::Md5Digest md5(std::string_view data) const override { return real_->md5(data); }
  pop3::Md5Digest hmac_md5(std::string_view key, std::string_view data) const override {
    return real_->hmac_md5(key, data);
  }
  std::string hash(pop3::ScramHash hash, std::string_view data) const override { return real_->hash(hash, data); }
  std::string hmac(pop3::ScramHash hash, std::string_view key, std::string_view data) const override {
    return real_->hmac(hash, key, data);
  }
  std::string pbkdf2(pop3::ScramHash hash, std::string_view password, std::string_view salt,
                     std::uint32_t iterations) const override {
    return real_->pbkdf2(hash, password, salt, iterations);
  }
  std::string random_bytes(std::size_t count) const override {
    return random_.size() == count ? random_ : std::string();
  }

 private:
  std::unique_ptr<net::MbedDigests> real_;
  std::string random_;
};

using Scram = HostileTest;

// RFC 5802's example (user "user", password "pencil", its client nonce) over a
// socket, up to the server's final message, whose signature is one character
// off: a server that cannot prove it knows the password is refused. The proof
// went out (SCRAM sends it first), the password never; after the forged
// signature the client sends nothing more - no "go on", no STAT, no RETR.
// (With the true signature, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", the client
// answers with an empty line and this script fails.)
TEST_F(Scram, AForgedServerSignatureEndsThePollBeforeAnyMailCommand) {
  const FixedNonceDigests digests(*pop3::base64_decode("fyko+d2lbbFgONRv9qkxdawL"));
  const std::string client_first = "AUTH SCRAM-SHA-1 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM";
  const std::string client_final =
      "Yz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMM3JmY05IWUpZMVpWdldWczdqLHA9djBYOHYzQnoyVDBDSkdiSlF5RjBYK0hJ"
      "NFRzPQ==";
  FakePop3Script script;
  script.send_line("+OK ready")
      .expect("CAPA")
      .send("+OK\r\nSASL SCRAM-SHA-1\r\nUIDL\r\n.\r\n")
      .expect(client_first)
      .send_line("+ cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hDUitRNnNlazhiZjkyLGk9NDA5Ng==")
      .expect(client_final)
      .send_line("+ dj1ybUY5cHFWOFM3c3VBb1pXamE0ZEpSa0ZzS0E9")  // v= one character off
      .stall();
  PollTweaks tweaks;
  tweaks.password = "pencil";
  tweaks.digests = &digests;
  const ScriptedPoll outcome = poll_script(
      std::move(script),
      [](config::Account& account) {
        account.auth = config::AuthMethod::ScramSha1;
        account.username = "user";
      },
      std::move(tweaks));
  expect_failed(outcome.report, ErrorKind::Auth, "could not prove it knows the password", *outcome.server);
  ASSERT_TRUE(outcome.server->wait_finished());
  EXPECT_THAT(outcome.server->received_lines(), ElementsAre("CAPA", client_first, client_final));
  for (const auto& line : outcome.server->received_lines()) {
    EXPECT_EQ(line.find("pencil"), std::string::npos) << line;
    EXPECT_EQ(line.find("cGVuY2ls"), std::string::npos) << line;  // base64("pencil")
  }
  EXPECT_TRUE(stored().empty());
}

}  // namespace
}  // namespace hostile
