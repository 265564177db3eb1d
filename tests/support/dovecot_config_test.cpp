#include "support/dovecot_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using test_support::DovecotConfigParams;
using test_support::render_dovecot_config;
using ::testing::HasSubstr;
using ::testing::Not;

DovecotConfigParams params(bool ssl) {
  DovecotConfigParams p;
  p.dir = "/tmp/popfetchd-dovecot-test";
  p.instance_name = "popfetchd-test-1-0";
  p.pop3_port = 40110;
  p.pop3s_port = 40995;
  p.ssl = ssl;
  p.cert_file = "/tmp/popfetchd-dovecot-test/server.pem";
  p.key_file = "/tmp/popfetchd-dovecot-test/server.key";
  p.auth_mechanisms = "plain login cram-md5";
  return p;
}

TEST(DovecotConfig, EverythingLivesInTheFixtureDirectory) {
  const std::string conf = render_dovecot_config(params(true));
  EXPECT_THAT(conf, HasSubstr("base_dir = /tmp/popfetchd-dovecot-test/run\n"));
  EXPECT_THAT(conf, HasSubstr("state_dir = /tmp/popfetchd-dovecot-test/state\n"));
  EXPECT_THAT(conf, HasSubstr("log_path = /tmp/popfetchd-dovecot-test/dovecot.log\n"));
  EXPECT_THAT(conf, HasSubstr("mail_location = maildir:/tmp/popfetchd-dovecot-test/mail/%u/Maildir\n"));
  EXPECT_THAT(conf, HasSubstr("args = scheme=PLAIN /tmp/popfetchd-dovecot-test/users/%u\n"));
  EXPECT_THAT(conf, HasSubstr("listen = 127.0.0.1\n"));
  EXPECT_THAT(conf, HasSubstr("login_greeting = popfetchd-test-1-0 ready.\n"));
  EXPECT_THAT(conf, Not(HasSubstr("/etc/dovecot")));
  EXPECT_THAT(conf, Not(HasSubstr("!include")));
}

TEST(DovecotConfig, LmtpIsOffUnlessAskedForThenOnTheSocketAndPort) {
  DovecotConfigParams p = params(false);
  EXPECT_THAT(render_dovecot_config(p), HasSubstr("protocols = pop3\n"));
  EXPECT_THAT(render_dovecot_config(p), Not(HasSubstr("lmtp")));
  p.lmtp = true;
  p.lmtp_port = 40024;
  const std::string conf = render_dovecot_config(p);
  EXPECT_THAT(conf, HasSubstr("protocols = pop3 lmtp\n"));
  EXPECT_THAT(conf, HasSubstr("service lmtp {\n  unix_listener lmtp {\n    mode = 0666\n"));
  EXPECT_THAT(conf, HasSubstr("  inet_listener lmtp {\n    address = 127.0.0.1\n    port = 40024\n"));
  EXPECT_EQ(test_support::dovecot_paths(p.dir).lmtp_socket, "/tmp/popfetchd-dovecot-test/run/lmtp");
}

TEST(DovecotConfig, SslAddsCertificatesAndThePop3sListener) {
  const std::string conf = render_dovecot_config(params(true));
  EXPECT_THAT(conf, HasSubstr("ssl = yes\n"));
  EXPECT_THAT(conf, HasSubstr("ssl_cert = </tmp/popfetchd-dovecot-test/server.pem\n"));
  EXPECT_THAT(conf, HasSubstr("ssl_min_protocol = TLSv1.2\n"));
  EXPECT_THAT(conf, HasSubstr("inet_listener pop3s {\n    port = 40995\n    ssl = yes\n"));
  EXPECT_THAT(conf, HasSubstr("inet_listener pop3 {\n    port = 40110\n"));
}

TEST(DovecotConfig, WithoutSslThereIsNoPop3sListener) {
  const std::string conf = render_dovecot_config(params(false));
  EXPECT_THAT(conf, HasSubstr("ssl = no\n"));
  EXPECT_THAT(conf, Not(HasSubstr("pop3s")));
  EXPECT_THAT(conf, Not(HasSubstr("ssl_cert")));
}

TEST(DovecotConfig, RootRunsUseDovecotsOwnUsersUnprivilegedRunsTheCurrentOne) {
  DovecotConfigParams root = params(false);
  EXPECT_THAT(render_dovecot_config(root), Not(HasSubstr("default_login_user")));
  EXPECT_THAT(render_dovecot_config(root), HasSubstr("first_valid_uid = 65534\n"));
  DovecotConfigParams user = params(false);
  user.unprivileged_user = "builder";
  user.unprivileged_group = "builders";
  user.mail_uid = 1000;
  user.mail_gid = 1000;
  const std::string conf = render_dovecot_config(user);
  EXPECT_THAT(conf, HasSubstr("default_login_user = builder\n"));
  EXPECT_THAT(conf, HasSubstr("default_internal_user = builder\n"));
  EXPECT_THAT(conf, HasSubstr("default_internal_group = builders\n"));
  EXPECT_THAT(conf, HasSubstr("first_valid_uid = 1000\n"));
  EXPECT_THAT(conf, HasSubstr("chroot =\n"));
}

TEST(DovecotConfig, NoAuthPenaltyAfterAFailedLogin) {
  for (bool unprivileged : {false, true}) {
    DovecotConfigParams p = params(false);
    if (unprivileged) p.unprivileged_user = p.unprivileged_group = "builder";
    EXPECT_THAT(render_dovecot_config(p),
                HasSubstr("service anvil {\n" + std::string(unprivileged ? "  chroot =\n" : "") +
                          "  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}\n"));
  }
}

TEST(DovecotConfig, ExtraLinesComeLast) {
  DovecotConfigParams p = params(false);
  p.extra_lines = {"pop3_logout_format = custom"};
  const std::string conf = render_dovecot_config(p);
  EXPECT_EQ(conf.substr(conf.size() - 28), "pop3_logout_format = custom\n");
}

TEST(DovecotConfig, ClientCertAuthAsksForACertificateAndTakesTheUserFromIt) {
  const auto lines = test_support::client_cert_auth_lines("/x/client-ca.pem");
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  EXPECT_NE(text.find("ssl_ca = </x/client-ca.pem\n"), std::string::npos);
  EXPECT_NE(text.find("ssl_verify_client_cert = yes\n"), std::string::npos);
  EXPECT_NE(text.find("auth_ssl_username_from_cert = yes\n"), std::string::npos);
  EXPECT_NE(text.find("mechanisms = external\n"), std::string::npos);
}

}  // namespace
