// Issue 3 "Integration": popfetchd's POP3 session (fetch::AccountPoll driven
// in-process on a uv loop, storing into a real archive file) against a real
// Dovecot, over the whole matrix of DESIGN.md §2: {none, tls,
// tls-if-available, starttls, starttls-if-available} x {plain, cram-md5},
// plus an untrusted CA and a wrong password. The refusals (no STLS, a
// certificate for another host, CRAM-MD5 that the server does not offer) are
// in security_refusals_test.cpp.
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

#include <algorithm>
#include <ostream>
#include <string>

#include "integration/archive_probe.hpp"
#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/security_checks.hpp"
#include "integration/server_suite.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace integration::security;
using integration::dump;

using config::AuthMethod;
using config::Security;
using integration::Mailbox;
using ::testing::HasSubstr;
using ::testing::Not;

// ---------------------------------------------------------------------------
// Dovecot with ssl = yes and a certificate for localhost / 127.0.0.1 from the
// fixture's CA; PLAIN, LOGIN and CRAM-MD5 offered.

class GoodCertificateServer : public integration::DovecotSuite<GoodCertificateServer> {
 protected:
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
};

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

}  // namespace
