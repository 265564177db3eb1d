// The refusals of DESIGN.md §2 against a real Dovecot: a server without TLS
// (STARTTLS required, implicit TLS), a certificate for another host, CRAM-MD5
// that the server does not offer; then the same refusals against
// FakePop3Server, whose record of every line the client sent proves that no
// credentials left the client. How both are proven: see security_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/security_checks.hpp"
#include "integration/server_suite.hpp"
#include "support/fake_pop3_server.hpp"
#include "support/line_client.hpp"
#include "support/socket_util.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace integration::security;
using integration::dump;

using config::AuthMethod;
using config::Security;
using ::testing::HasSubstr;
using ::testing::Not;

// ---------------------------------------------------------------------------
// Dovecot with ssl = no: no POP3S listener, no STLS in CAPA.

class ClearTextServer : public integration::DovecotSuite<ClearTextServer> {
 public:
  static test_support::DovecotOptions options() { return test_support::DovecotOptions::without_ssl(); }
};

TEST_F(ClearTextServer, StartTlsIfAvailableFallsBackToClearText) {
  for (AuthMethod auth : kAuths) {
    const std::string user = "fallback-" + name_of(auth);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-fallback-51", integration::varied_messages(9));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome =
        integration::run_poll(integration::make_account(user, server().host(), server().pop3_port(),
                                                        Security::StartTlsIfAvailable, auth),
                              mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    expect_complete_fetch(server(), *mailbox, db, *outcome, auth, /*encrypted=*/false);
    EXPECT_FALSE(outcome->logged("] > STLS")) << "STLS was not offered";
  }
}

TEST_F(ClearTextServer, ImplicitTlsModesFailCleanlyWithoutFallingBackToClearText) {
  // A TLS handshake against the clear-text port: the server greets in clear
  // text, which is no TLS record. Neither mode may go on without TLS.
  for (Security security : {Security::Tls, Security::TlsIfAvailable}) {
    const std::string user = "implicit-" + name_of(security);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-implicit-2", integration::plain_messages(60, 2));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome = integration::run_poll(
        integration::make_account(user, server().host(), server().pop3_port(), security, AuthMethod::Plain),
        mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok()) << "a TLS mode worked against a clear-text port";
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Tls) << outcome->report.error->message;
    EXPECT_THAT(outcome->report.error->message, HasSubstr("TLS handshake"));
    EXPECT_FALSE(outcome->logged("] > ")) << "a POP3 command was sent:" << dump(outcome->log);
    expect_nothing_happened(server(), *mailbox, db);
    EXPECT_TRUE(auth_lines_for(server().log_text(), user).empty()) << server().log_text();
  }

  // And where no POP3S port exists at all (a bound socket that does not
  // listen): the connection is refused, an Io error naming the address.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  common::UniqueFd socket_fd(fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  auto port = test_support::local_port(fd);
  ASSERT_TRUE(port.ok());
  auto outcome = integration::run_poll(
      integration::make_account("refused", server().host(), *port, Security::Tls, AuthMethod::Plain), "pw",
      suite_.database("refused"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok());
  EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Io) << outcome->report.error->message;
  EXPECT_THAT(outcome->report.error->message, HasSubstr("refused"));
  EXPECT_THAT(outcome->report.error->message, HasSubstr(std::to_string(*port)));
}

TEST_F(ClearTextServer, StartTlsRefusesWithoutSendingCredentials) {
  for (AuthMethod auth : kAuths) {
    const std::string user = "refuse-" + name_of(auth);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-refuse-88", integration::plain_messages(70, 2));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    const std::string log_before = server().log_text();
    const std::size_t unauthenticated_before = lines_containing(log_before, "no auth attempts").size();

    auto outcome = integration::run_poll(
        integration::make_account(user, server().host(), server().pop3_port(), Security::StartTls, auth),
        mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok()) << "starttls went on without STLS";
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Tls) << outcome->report.error->message;
    EXPECT_THAT(outcome->report.error->message, HasSubstr("does not offer STLS"));
    EXPECT_FALSE(sent_credentials(*outcome)) << dump(outcome->log);
    EXPECT_FALSE(outcome->logged("] > STLS")) << dump(outcome->log);

    // Dovecot saw a session end without any authentication attempt...
    EXPECT_TRUE(wait_for_log(server(), [&](const std::string& log) {
      return lines_containing(log, "no auth attempts").size() > unauthenticated_before;
    })) << server().log_text();
    // ...and never heard of this user. (Dovecot treats loopback as secured even
    // without TLS, so it would have accepted a password: the client refused.)
    EXPECT_TRUE(auth_lines_for(server().log_text(), user).empty()) << server().log_text();
    expect_nothing_happened(server(), *mailbox, db);
  }
}

// ---------------------------------------------------------------------------
// Dovecot with ssl = yes whose certificate names another host (from the
// fixture's CA, so only the name is wrong), and whose auth_mechanisms lack
// CRAM-MD5 (one server for both, to save a start).

class WrongNameNoCramServer : public integration::DovecotSuite<WrongNameNoCramServer> {
 public:
  static test_support::DovecotOptions options() {
    test_support::DovecotOptions options;
    options.certificate.common_name = "mail.example.org";
    options.certificate.subject_alt_names = {"DNS:mail.example.org"};
    options.auth_mechanisms = "plain login";
    return options;
  }

 protected:
  config::Account account_for(const std::string& user, Security security, AuthMethod auth) {
    config::Account account =
        integration::make_account(user, server().host(), port_for(server(), security), security, auth);
    if (config::verifies_certificate(security)) account.ca_file = server().ca_file().string();
    return account;
  }
};

TEST_F(WrongNameNoCramServer, VerifyingModesRefuseACertificateForAnotherHost) {
  for (Security security : {Security::Tls, Security::StartTls}) {
    const std::string user = "wrong-name-" + name_of(security);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-wrong-name", integration::plain_messages(80, 2));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome =
        integration::run_poll(account_for(user, security, AuthMethod::Plain), mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok()) << "a certificate for mail.example.org was accepted for 127.0.0.1";
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Tls) << outcome->report.error->message;
    // A clear message: which host, and that the certificate's name is the problem.
    EXPECT_THAT(outcome->report.error->message,
                HasSubstr("for 127.0.0.1: host name does not match the certificate"))
        << outcome->report.error->message;
    EXPECT_FALSE(sent_credentials(*outcome)) << dump(outcome->log);
    expect_nothing_happened(server(), *mailbox, db);
  }
}

TEST_F(WrongNameNoCramServer, IfAvailableModesAcceptACertificateForAnotherHost) {
  for (Security security : {Security::TlsIfAvailable, Security::StartTlsIfAvailable}) {
    const std::string user = "any-name-" + name_of(security);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-any-name", integration::varied_messages(12));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome =
        integration::run_poll(account_for(user, security, AuthMethod::Plain), mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    expect_complete_fetch(server(), *mailbox, db, *outcome, AuthMethod::Plain, /*encrypted=*/true);
  }
}

TEST_F(WrongNameNoCramServer, CramMd5WithoutServerSupportNeverSendsThePassword) {
  // The premise: no CRAM-MD5 in CAPA's SASL line, no APOP timestamp in the greeting.
  auto probe = test_support::LineClient::connect(server().host(), server().pop3_port());
  ASSERT_TRUE(probe.ok());
  auto greeting = probe->read_line();
  ASSERT_TRUE(greeting.ok());
  EXPECT_THAT(*greeting, Not(HasSubstr("<"))) << "Dovecot's greeting carries an APOP timestamp";
  auto capa = probe->command("CAPA");
  ASSERT_TRUE(capa.ok());
  auto capabilities = probe->read_multiline();
  ASSERT_TRUE(capabilities.ok());
  EXPECT_THAT(*capabilities, HasSubstr("SASL PLAIN LOGIN"));
  EXPECT_THAT(*capabilities, Not(HasSubstr("CRAM-MD5")));
  (void)probe->command("QUIT");

  for (Security security : {Security::None, Security::StartTlsIfAvailable}) {
    const std::string user = "no-cram-" + name_of(security);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-no-cram-4", integration::plain_messages(90, 2));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome =
        integration::run_poll(account_for(user, security, AuthMethod::CramMd5), mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok())
        << "cram-md5 logged in although the server offers neither CRAM-MD5 nor APOP";
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
    EXPECT_THAT(outcome->report.error->message, HasSubstr("CRAM-MD5"));
    EXPECT_FALSE(sent_credentials(*outcome)) << dump(outcome->log);
    expect_nothing_happened(server(), *mailbox, db);
    EXPECT_TRUE(auth_lines_for(server().log_text(), user).empty()) << server().log_text();
  }
}

// ---------------------------------------------------------------------------
// The same refusals against FakePop3Server, which records every line the
// client sent: the proof that no credentials left the client.

config::Account fake_account(const test_support::FakePop3Server& server, Security security, AuthMethod auth) {
  return integration::make_account("fake", server.host(), server.port(), security, auth);
}

TEST(FakeServer, StartTlsWithoutStlsSendsNoCredentials) {
  for (AuthMethod auth : kAuths) {
    SCOPED_TRACE(name_of(auth));
    test_support::FakePop3Server server(test_support::FakePop3Script()
                                            .send_line("+OK fake ready <1896.697170952@fake.example>")
                                            .expect("CAPA")
                                            .send("+OK\r\nUSER\r\nSASL PLAIN CRAM-MD5\r\nUIDL\r\n.\r\n")
                                            .stall());
    ASSERT_TRUE(server.start().ok());
    auto work = test_support::TempDir::create("popfetchd-fake-");
    ASSERT_TRUE(work.ok());
    auto outcome = integration::run_poll(fake_account(server, Security::StartTls, auth), "fake-secret-pw",
                                         (work->path() / "a.db").string());
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    server.stop();
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Tls) << outcome->report.error->message;
    const auto lines = server.received_lines();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front(), "CAPA");
    for (const auto& line : lines) {
      EXPECT_FALSE(sends_credentials(line)) << "the client sent: " << line;
      EXPECT_THAT(line, Not(HasSubstr("fake-secret-pw")));
    }
    EXPECT_TRUE(server.errors().empty()) << dump(server.errors());
  }
}

TEST(FakeServer, CramMd5WithoutCramMd5OrApopSendsNoPassword) {
  test_support::FakePop3Server server(test_support::FakePop3Script()
                                          .send_line("+OK fake ready")  // no <timestamp>: no APOP
                                          .expect("CAPA")
                                          .send("+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\nUIDL\r\n.\r\n")
                                          .stall());
  ASSERT_TRUE(server.start().ok());
  auto work = test_support::TempDir::create("popfetchd-fake-");
  ASSERT_TRUE(work.ok());
  auto outcome = integration::run_poll(fake_account(server, Security::None, AuthMethod::CramMd5),
                                       "fake-secret-pw", (work->path() / "a.db").string());
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  server.stop();
  ASSERT_FALSE(outcome->report.ok());
  EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
  for (const auto& line : server.received_lines()) {
    EXPECT_FALSE(sends_credentials(line)) << "the client sent: " << line;
    EXPECT_THAT(line, Not(HasSubstr("fake-secret-pw")));
  }
  EXPECT_TRUE(server.errors().empty()) << dump(server.errors());
}

}  // namespace
