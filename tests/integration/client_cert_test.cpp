// Issue 14: auth: external with a TLS client certificate against a real
// Dovecot that asks every TLS client for a certificate of the test CA, takes
// the user name from its commonName and refuses any login without one. The
// certificates come from the run-time test PKI (CN = the Dovecot user).
// EXTERNAL fetches byte-exact (Dovecot's login line says method=EXTERNAL); a
// certificate of another CA and no certificate at all are refused; and the
// certificate goes along with any other mechanism too.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "integration/mailbox.hpp"
#include "integration/poll_harness.hpp"
#include "integration/server_suite.hpp"
#include "support/dovecot_config.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace {

using integration::dump;

using config::AuthMethod;
using config::Security;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using test_support::ClientCertificateFiles;
using test_support::ClientCertIssuer;

class ClientCertServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = test_support::TempDir::create("popfetchd-client-certs-");
    if (!dir) return;
    certs_.emplace(std::move(*dir));
    const auto ca_file = certs_->path() / "client-ca.pem";
    std::ofstream(ca_file) << test_support::TestPki::instance().ca_pem;
    test_support::DovecotOptions options;
    options.auth_mechanisms = "plain external";
    options.extra_config = test_support::client_cert_auth_lines(test_support::DovecotServer::config_syntax(), ca_file);
    suite_.start(options);
  }
  static void TearDownTestSuite() {
    suite_.stop();
    certs_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(certs_.has_value());
    ASSERT_TRUE(suite_.status().ok()) << suite_.status().error().message;
  }
  static test_support::DovecotServer& server() { return suite_.server(); }

  static ClientCertificateFiles certificate(const std::string& user,
                                            ClientCertIssuer issuer = ClientCertIssuer::TestCa) {
    return test_support::write_client_certificate(certs_->path(), user + "-" + std::to_string(++serial_), user,
                                                  issuer);
  }

  static config::Account account_for(const std::string& user, AuthMethod auth,
                                     const ClientCertificateFiles* cert) {
    config::Account account =
        integration::make_account(user, server().host(), server().pop3s_port(), Security::Tls, auth);
    account.ca_file = server().ca_file().string();
    if (cert != nullptr) {
      account.tls_client_cert = cert->cert_file;
      account.tls_client_key = cert->key_file;
    }
    return account;
  }

  static integration::ServerSuite suite_;
  static std::optional<test_support::TempDir> certs_;
  static int serial_;
};
integration::ServerSuite ClientCertServer::suite_;
std::optional<test_support::TempDir> ClientCertServer::certs_;
int ClientCertServer::serial_ = 0;

TEST_F(ClientCertServer, ExternalFetchesByteExact) {
  const std::string user = "cert-alice";
  auto mailbox = integration::create_mailbox(server(), user, "pw-never-sent-7Qx", integration::varied_messages(5));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const auto cert = certificate(user);
  const std::string db = suite_.database(user);
  // No password: auth: external needs none.
  auto outcome = integration::run_poll(account_for(user, AuthMethod::External, &cert), "", db);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log)
                                    << server().log_text();
  EXPECT_EQ(outcome->report.new_messages, mailbox->delivered.size());
  EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
  auto login = server().wait_for_log_line(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">");
  ASSERT_TRUE(login) << server().log_text();
  EXPECT_THAT(*login, HasSubstr("method=EXTERNAL"));
  EXPECT_TRUE(outcome->logged("> AUTH EXTERNAL")) << dump(outcome->log);
}

TEST_F(ClientCertServer, ACertificateOfAnotherCaIsRefused) {
  const std::string user = "cert-stranger";
  auto mailbox = integration::create_mailbox(server(), user, "pw-stranger-3", integration::varied_messages(2));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const auto forged = certificate(user, ClientCertIssuer::OtherCa);
  auto outcome =
      integration::run_poll(account_for(user, AuthMethod::External, &forged), "", suite_.database(user));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_FALSE(outcome->report.ok());
  EXPECT_THAT(outcome->report.error->kind, AnyOf(common::ErrorKind::Auth, common::ErrorKind::Tls))
      << outcome->report.error->message;
  // Dovecot 2.3 lets the handshake finish and refuses the login.
  if (outcome->report.error->kind == common::ErrorKind::Auth) {
    EXPECT_THAT(outcome->report.error->message, HasSubstr("did not accept the TLS client certificate"));
  }
  EXPECT_EQ(*server().mailbox_size(user), mailbox->delivered.size());
  EXPECT_THAT(server().log_text(), Not(HasSubstr(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">")));
}

TEST_F(ClientCertServer, WithoutACertificateDovecotRefusesEveryLogin) {
  const std::string user = "cert-none";
  auto mailbox = integration::create_mailbox(server(), user, "pw-cert-none-5", integration::varied_messages(2));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  for (AuthMethod auth : {AuthMethod::External, AuthMethod::Plain}) {
    SCOPED_TRACE(std::string(config::to_string(auth)));
    auto outcome =
        integration::run_poll(account_for(user, auth, nullptr), mailbox->password, suite_.database(user));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_FALSE(outcome->report.ok());
    EXPECT_EQ(outcome->report.error->kind, common::ErrorKind::Auth) << outcome->report.error->message;
  }
  EXPECT_EQ(*server().mailbox_size(user), mailbox->delivered.size());
  EXPECT_THAT(server().log_text(), Not(HasSubstr(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">")));
}

TEST_F(ClientCertServer, TheCertificateGoesAlongWithPlainToo) {
  const std::string user = "cert-plain";
  auto mailbox = integration::create_mailbox(server(), user, "pw-cert-plain-9", integration::varied_messages(3));
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().message;
  const auto cert = certificate(user);
  const std::string db = suite_.database(user);
  auto outcome = integration::run_poll(account_for(user, AuthMethod::Plain, &cert), mailbox->password, db);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_TRUE(outcome->report.ok()) << outcome->report.error->message << dump(outcome->log);
  EXPECT_TRUE(integration::archive_holds(db, mailbox->user, *mailbox, integration::all_of(*mailbox)));
  auto login = server().wait_for_log_line(test_support::DovecotServer::login_log_prefix() + "user=<" + user + ">");
  ASSERT_TRUE(login) << server().log_text();
  EXPECT_THAT(*login, HasSubstr("method=PLAIN"));
}

}  // namespace
