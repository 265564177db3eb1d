// session_setup: the five security modes, authentication and pipelining as
// the engine and the transport see them, and how a failed session is classified.

#include "fetch/session_setup.hpp"

#include <gtest/gtest.h>

namespace fetch {
namespace {

struct ModeRow {
  config::Security security;
  pop3::TlsPolicy policy;
  bool implicit_tls;
  bool verify;
};

class SecurityModes : public testing::TestWithParam<ModeRow> {};

TEST_P(SecurityModes, MapOntoPolicyTransportAndVerification) {
  const ModeRow& row = GetParam();
  config::Account account;
  account.server = "pop.example.com";
  account.ca_file = "/etc/ca.pem";
  account.security = row.security;
  pop3::SessionOptions options = session_options(account, common::Secret("pw"), {});
  EXPECT_EQ(options.tls, row.policy);
  EXPECT_EQ(options.tls_from_start, row.implicit_tls) << "what lets auth: auto send a clear-text password";
  EXPECT_EQ(implicit_tls_options(account).has_value(), row.implicit_tls);
  net::TlsOptions tls = tls_options(account);
  EXPECT_EQ(tls.verify, row.verify);
  EXPECT_EQ(tls.host, "pop.example.com");
  EXPECT_EQ(tls.ca_file, "/etc/ca.pem");
  EXPECT_TRUE(tls.sha256_pins.empty());
  account.tls_fingerprints = {config::Sha256Pin{1}, config::Sha256Pin{2}};
  EXPECT_EQ(tls_options(account).sha256_pins, account.tls_fingerprints);
  const pop3::TlsPolicy pinned_policy = session_options(account, common::Secret("pw"), {}).tls;
  EXPECT_EQ(pinned_policy, row.policy == pop3::TlsPolicy::StartTlsIfAvailable ? pop3::TlsPolicy::StartTlsRequired
                                                                              : row.policy)
      << "a pin never falls back to clear text";
}

INSTANTIATE_TEST_SUITE_P(
    Table, SecurityModes,
    testing::Values(ModeRow{config::Security::None, pop3::TlsPolicy::AlreadySecure, false, false},
                    ModeRow{config::Security::Tls, pop3::TlsPolicy::AlreadySecure, true, true},
                    ModeRow{config::Security::TlsIfAvailable, pop3::TlsPolicy::AlreadySecure, true, false},
                    ModeRow{config::Security::StartTls, pop3::TlsPolicy::StartTlsRequired, false, true},
                    ModeRow{config::Security::StartTlsIfAvailable, pop3::TlsPolicy::StartTlsIfAvailable, false,
                            false}));

TEST(SessionSetup, AuthPasswordAndPipelining) {
  config::Account account;
  account.username = "alice";
  account.auth = config::AuthMethod::CramMd5;
  account.pipelining = config::Pipelining::On;
  pop3::SessionOptions options = session_options(account, common::Secret("secret"), {false, 8});
  EXPECT_EQ(options.username, "alice");
  EXPECT_EQ(options.password.reveal(), "secret");
  EXPECT_EQ(options.auth, pop3::AuthMethod::CramMd5);
  EXPECT_EQ(options.pipelining, pop3::PipeliningMode::On);
  EXPECT_TRUE(options.want_uidl);
  EXPECT_EQ(options.window, 16u) << "room for DELEs and TOPs beside the RETRs";
  EXPECT_EQ(session_options(account, common::Secret(), {true, 8}).pipelining, pop3::PipeliningMode::Off)
      << "a poll that failed while pipelining is retried without";
  account.auth = config::AuthMethod::Plain;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::Plain);
  account.auth = config::AuthMethod::Login;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::Login);
  account.auth = config::AuthMethod::ScramSha1;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::ScramSha1);
  account.auth = config::AuthMethod::ScramSha256;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::ScramSha256);
  account.auth = config::AuthMethod::Auto;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::Auto);
  account.auth = config::AuthMethod::XOAuth2;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::XOAuth2);
  account.auth = config::AuthMethod::OAuthBearer;
  account.server = "pop.example.com";
  account.port = 1995;
  const pop3::SessionOptions bearer = session_options(account, common::Secret(), {});
  EXPECT_EQ(bearer.auth, pop3::AuthMethod::OAuthBearer);
  EXPECT_EQ(bearer.host, "pop.example.com") << "OAUTHBEARER names the server";
  EXPECT_EQ(bearer.port, 1995);
  account.auth = config::AuthMethod::External;
  EXPECT_EQ(session_options(account, common::Secret(), {}).auth, pop3::AuthMethod::External);
}

TEST(SessionSetup, TheClientCertificateGoesToEveryTlsConnection) {
  config::Account account;
  account.server = "pop.example.com";
  account.security = config::Security::StartTls;
  account.tls_client_cert = "/etc/popfetchd/me.crt.pem";
  account.tls_client_key = "/etc/popfetchd/me.key.pem";
  const net::TlsOptions options = tls_options(account);
  EXPECT_EQ(options.client_cert, "/etc/popfetchd/me.crt.pem");
  EXPECT_EQ(options.client_key, "/etc/popfetchd/me.key.pem");
  account.security = config::Security::Tls;
  ASSERT_TRUE(implicit_tls_options(account).has_value());
  EXPECT_EQ(implicit_tls_options(account)->client_key, "/etc/popfetchd/me.key.pem");
}

TEST(SessionSetup, ClassifiesSessionErrorsForTheRetryDecision) {
  using K = pop3::SessionErrorKind;
  auto of = [](K kind, pop3::ResponseCode code = pop3::ResponseCode::None) {
    return classify(pop3::SessionError{kind, "m", code, false});
  };
  EXPECT_EQ(of(K::Auth).retry, RetryHint::AuthFailed);
  EXPECT_EQ(of(K::Auth).kind, common::ErrorKind::Auth);
  EXPECT_EQ(of(K::AuthUnavailable).retry, RetryHint::Permanent);
  EXPECT_EQ(of(K::TempFail, pop3::ResponseCode::InUse).retry, RetryHint::InUse);
  EXPECT_EQ(of(K::TempFail, pop3::ResponseCode::LoginDelay).retry, RetryHint::LoginDelay);
  EXPECT_EQ(of(K::TempFail).retry, RetryHint::Normal);
  EXPECT_EQ(of(K::PermFail).kind, common::ErrorKind::PermFail);
  EXPECT_EQ(of(K::TlsRequired).kind, common::ErrorKind::Tls);
  EXPECT_EQ(of(K::ConnectionClosed).kind, common::ErrorKind::Io);
  EXPECT_EQ(of(K::Usage).kind, common::ErrorKind::Config);
  EXPECT_EQ(of(K::Protocol).kind, common::ErrorKind::Protocol);
  EXPECT_EQ(of(K::CommandRejected).kind, common::ErrorKind::Protocol);
}

}  // namespace
}  // namespace fetch
