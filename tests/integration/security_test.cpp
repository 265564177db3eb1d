// Issue 3 "Integration": popfetchd's POP3 session (fetch::AccountPoll driven
// in-process on a uv loop, storing into a real archive file) against a real
// Dovecot, over the whole matrix of DESIGN.md §2: {none, tls,
// tls-if-available, starttls, starttls-if-available} x {plain, cram-md5}, plus
// the refusals — no STLS, a certificate for another host, an untrusted CA, a
// wrong password, CRAM-MD5 that the server does not offer.
//
// How "encrypted" is proven: Dovecot's login line for the session ends in
// "TLS" when the connection was encrypted and "secured" when it was clear
// text on loopback (Dovecot 2.3 login_log_format_elements %c). Each case uses
// its own user, so the user's first "Login:" line is the poll's.
// How "no credentials were sent" is proven: against Dovecot, no login or
// authentication line names the user (auth_verbose logs every attempt) and
// a "no auth attempts" line appears; against FakePop3Server, the exact lines
// the client sent.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"
#include "support/fake_pop3_server.hpp"
#include "support/line_client.hpp"
#include "support/socket_util.hpp"
#include "support/test_pki.hpp"

namespace {

using integration::dump;

using config::AuthMethod;
using config::Security;
using integration::Mailbox;
using integration::PollOutcome;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr AuthMethod kAuths[] = {AuthMethod::Plain, AuthMethod::CramMd5};

std::string name_of(Security security) { return std::string(config::to_string(security)); }
std::string name_of(AuthMethod auth) { return std::string(config::to_string(auth)); }

// Bound for waiting on Dovecot's asynchronous log; only a broken run waits this long.
constexpr auto kLogDeadline = std::chrono::seconds(10);
constexpr auto kLogPollStep = std::chrono::milliseconds(5);

// Polls the server's log until `predicate` holds for it or the deadline passes.
template <class Predicate>
bool wait_for_log(const test_support::DovecotServer& server, Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + kLogDeadline;
  while (!predicate(server.log_text())) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kLogPollStep);
  }
  return true;
}

std::vector<std::string> lines_containing(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) found.push_back(line);
    start = end + 1;
  }
  return found;
}

// Every Dovecot log line about `user`'s login or authentication: the
// pop3-login "user=<name>" lines and the auth process's "passwd-file(name,".
std::vector<std::string> auth_lines_for(const std::string& log, const std::string& user) {
  auto lines = lines_containing(log, "user=<" + user + ">");
  auto auth = lines_containing(log, "(" + user + ",");
  lines.insert(lines.end(), auth.begin(), auth.end());
  return lines;
}

// The client lines that would carry credentials (RFC 1939 USER/PASS/APOP, RFC 5034 AUTH).
bool sends_credentials(const std::string& line) {
  for (const char* command : {"USER", "PASS", "APOP", "AUTH"}) {
    if (line.rfind(command, 0) == 0) return true;
  }
  return false;
}

// popfetchd's own log (debug level: every command it sent, passwords
// redacted) shows a credential-carrying command.
bool sent_credentials(const PollOutcome& outcome) {
  for (const char* command : {"] > USER", "] > PASS", "] > APOP", "] > AUTH", "] > ***"}) {
    if (outcome.logged(command)) return true;
  }
  return false;
}

std::uint16_t port_for(const test_support::DovecotServer& server, Security security) {
  return config::implicit_tls(security) ? server.pop3s_port() : server.pop3_port();
}

// Checks one successful poll of a fresh mailbox: everything arrived
// byte-exact, the archive's UIDLs are the server's, Dovecot saw the expected
// method, the session was encrypted exactly when it should be, and no log
// line (ours or Dovecot's) holds the password.
void expect_complete_fetch(test_support::DovecotServer& server, const Mailbox& mailbox, const std::string& db,
                           const PollOutcome& outcome, AuthMethod auth, bool encrypted) {
  ASSERT_TRUE(outcome.report.ok()) << outcome.report.error->message << dump(outcome.log);
  EXPECT_EQ(outcome.report.listed, mailbox.delivered.size());
  EXPECT_EQ(outcome.report.new_messages, mailbox.delivered.size());
  EXPECT_TRUE(integration::archive_holds(db, mailbox.user, mailbox, integration::all_of(mailbox)));

  // The poll's login comes first; server_uidls() below logs in again (clear text).
  auto login = server.wait_for_log_line(
      test_support::DovecotServer::login_log_prefix() + "user=<" + mailbox.user + ">", 0, kLogDeadline);
  ASSERT_TRUE(login) << server.log_text();
  EXPECT_THAT(*login, HasSubstr(auth == AuthMethod::CramMd5 ? "method=CRAM-MD5" : "method=PLAIN"));
  if (encrypted) {
    EXPECT_THAT(*login, HasSubstr(", TLS, session=")) << "Dovecot did not see TLS";
  } else {
    EXPECT_THAT(*login, HasSubstr(", secured, session=")) << "expected a clear-text session";
    EXPECT_THAT(*login, Not(HasSubstr("TLS")));
  }
  EXPECT_EQ(outcome.logged("STARTTLS done") || outcome.logged(" with TLSv1."), encrypted)
      << dump(outcome.log);

  auto uidls = integration::server_uidls(server, mailbox);
  ASSERT_TRUE(uidls.ok()) << uidls.error().message;
  auto archived = integration::archived_messages(db, mailbox.user);
  ASSERT_TRUE(archived.ok()) << archived.error().message;
  std::vector<std::string> stored;
  for (const auto& [uidl, row] : *archived) stored.push_back(uidl);
  std::sort(uidls->begin(), uidls->end());
  EXPECT_EQ(stored, *uidls) << "the archive's UIDLs are not the ones Dovecot serves";
  EXPECT_EQ(*server.mailbox_size(mailbox.user), mailbox.delivered.size()) << "keep: true deleted something";

  for (const auto& line : outcome.log) EXPECT_THAT(line, Not(HasSubstr(mailbox.password)));
  EXPECT_THAT(server.log_text(), Not(HasSubstr(mailbox.password)));
}

// A refused poll: nothing fetched, nothing deleted, no login.
void expect_nothing_happened(test_support::DovecotServer& server, const Mailbox& mailbox,
                             const std::string& db) {
  EXPECT_EQ(*server.mailbox_size(mailbox.user), mailbox.delivered.size());
  auto rows = integration::archived_messages(db, mailbox.user);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_TRUE(rows->empty());
  EXPECT_TRUE(lines_containing(server.log_text(), test_support::DovecotServer::login_log_prefix() + "user=<" + mailbox.user + ">").empty())
      << server.log_text();
}

// ---------------------------------------------------------------------------
// Dovecot with ssl = yes and a certificate for localhost / 127.0.0.1 from the
// fixture's CA; PLAIN, LOGIN and CRAM-MD5 offered.

class GoodCertificateServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { suite_.start({}); }
  static void TearDownTestSuite() { suite_.stop(); }
  void SetUp() override { ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message; }

  static test_support::DovecotServer& server() { return suite_.server(); }

  config::Account account_for(const Mailbox& mailbox, Security security, AuthMethod auth) {
    // tls verifies the DNS name "localhost" (which may resolve to ::1 first,
    // where nothing listens: the client must go on to 127.0.0.1); starttls
    // verifies the IP literal against the certificate's IP subjectAltName.
    const std::string host = security == Security::Tls ? "localhost" : server().host();
    config::Account account =
        integration::make_account(mailbox.user, host, port_for(server(), security), security, auth);
    if (config::verifies_certificate(security)) account.ca_file = server().ca_file().string();
    return account;
  }

  static integration::ServerSuite suite_;
};
integration::ServerSuite GoodCertificateServer::suite_;

// The matrix's parameter; a struct of ours so that GoogleTest prints it by name.
struct Mode {
  Security security;
};
void PrintTo(const Mode& mode, std::ostream* out) { *out << name_of(mode.security); }

class SecurityMatrix : public GoodCertificateServer, public ::testing::WithParamInterface<Mode> {};

TEST_P(SecurityMatrix, BothAuthMethodsFetchEveryMessageByteExact) {
  const Security security = GetParam().security;
  const bool encrypted = security != Security::None;
  for (AuthMethod auth : kAuths) {
    const std::string user = "m-" + name_of(security) + "-" + name_of(auth);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-" + user + "-7c1f",
                                    integration::varied_messages(static_cast<std::uint64_t>(auth) + 1));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    auto outcome = integration::run_poll(account_for(*mailbox, security, auth), mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    expect_complete_fetch(server(), *mailbox, db, *outcome, auth, encrypted);
    EXPECT_TRUE(
        integration::rows_are_distinct_and_number(db, static_cast<std::int64_t>(mailbox->delivered.size())));

    // A second poll finds nothing new (keep: true, by UIDL).
    auto again = integration::run_poll(account_for(*mailbox, security, auth), mailbox->password, db);
    ASSERT_TRUE(again.ok()) << again.error().message;
    ASSERT_TRUE(again->report.ok()) << again->report.error->message;
    EXPECT_EQ(again->report.new_messages, 0U);
    EXPECT_FALSE(again->logged("] > RETR")) << dump(again->log);
    EXPECT_TRUE(
        integration::rows_are_distinct_and_number(db, static_cast<std::int64_t>(mailbox->delivered.size())));
  }
}

INSTANTIATE_TEST_SUITE_P(Dovecot, SecurityMatrix,
                         ::testing::Values(Mode{Security::None}, Mode{Security::Tls},
                                           Mode{Security::TlsIfAvailable}, Mode{Security::StartTls},
                                           Mode{Security::StartTlsIfAvailable}),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           std::string name = name_of(info.param.security);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST_F(GoodCertificateServer, VerifyingModesRefuseAnUntrustedCa) {
  // A CA of its own that never signed Dovecot's certificate.
  std::filesystem::create_directories(suite_.work_dir() / "other-ca");
  auto other = test_support::make_test_certificates(suite_.work_dir() / "other-ca");
  ASSERT_TRUE(other.ok()) << other.error().message;
  for (Security security : {Security::Tls, Security::StartTls}) {
    const std::string user = "untrusted-" + name_of(security);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "pw-untrusted", integration::plain_messages(40, 2));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    config::Account account = account_for(*mailbox, security, AuthMethod::Plain);
    account.ca_file = other->ca_file.string();
    const std::string db = suite_.database(user);
    auto outcome = integration::run_poll(account, mailbox->password, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Tls) << outcome->report.error->message;
    EXPECT_THAT(outcome->report.error->message, HasSubstr("certificate is not trusted"))
        << outcome->report.error->message;
    EXPECT_FALSE(sent_credentials(*outcome)) << dump(outcome->log);
    expect_nothing_happened(server(), *mailbox, db);
  }
}

TEST_F(GoodCertificateServer, WrongPasswordIsAnAuthFailureNotRetriedSoon) {
  for (AuthMethod auth : kAuths) {
    const std::string user = "wrong-pw-" + name_of(auth);
    SCOPED_TRACE(user);
    auto mailbox =
        integration::create_mailbox(server(), user, "the-right-one", integration::plain_messages(50, 2));
    ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
    const std::string db = suite_.database(user);
    const std::string wrong = "not-the-password-93e1";
    auto outcome = integration::run_poll(account_for(*mailbox, Security::Tls, auth), wrong, db);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
    EXPECT_EQ(outcome->report.retry, fetch::RetryHint::AuthFailed) << dump(outcome->log);
    EXPECT_THAT(outcome->report.error->message, Not(HasSubstr(wrong)));
    for (const auto& line : outcome->log) EXPECT_THAT(line, Not(HasSubstr(wrong)));

    // Dovecot's login process ends the session "(auth failed, 1 attempts ...): user=<name>".
    EXPECT_TRUE(wait_for_log(server(),
                             [&](const std::string& log) {
                               for (const auto& line : lines_containing(log, "user=<" + user + ">")) {
                                 if (line.find("auth failed") != std::string::npos) return true;
                               }
                               return false;
                             }))
        << "Dovecot did not log the failed attempt for " << user << "\n"
        << server().log_text();
    EXPECT_THAT(server().log_text(), Not(HasSubstr(wrong)));
    expect_nothing_happened(server(), *mailbox, db);
  }
}

// ---------------------------------------------------------------------------
// Dovecot with ssl = no: no POP3S listener, no STLS in CAPA.

class ClearTextServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { suite_.start(test_support::DovecotOptions::without_ssl()); }
  static void TearDownTestSuite() { suite_.stop(); }
  void SetUp() override { ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message; }
  static test_support::DovecotServer& server() { return suite_.server(); }
  static integration::ServerSuite suite_;
};
integration::ServerSuite ClearTextServer::suite_;

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

class WrongNameNoCramServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test_support::DovecotOptions options;
    options.certificate.common_name = "mail.example.org";
    options.certificate.subject_alt_names = {"DNS:mail.example.org"};
    options.auth_mechanisms = "plain login";
    suite_.start(options);
  }
  static void TearDownTestSuite() { suite_.stop(); }
  void SetUp() override { ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message; }
  static test_support::DovecotServer& server() { return suite_.server(); }

  config::Account account_for(const std::string& user, Security security, AuthMethod auth) {
    config::Account account =
        integration::make_account(user, server().host(), port_for(server(), security), security, auth);
    if (config::verifies_certificate(security)) account.ca_file = server().ca_file().string();
    return account;
  }

  static integration::ServerSuite suite_;
};
integration::ServerSuite WrongNameNoCramServer::suite_;

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
