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
  const auto lines = test_support::client_cert_auth_lines(test_support::DovecotSyntax::V2_3, "/x/client-ca.pem");
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  EXPECT_NE(text.find("ssl_ca = </x/client-ca.pem\n"), std::string::npos);
  EXPECT_NE(text.find("ssl_verify_client_cert = yes\n"), std::string::npos);
  EXPECT_NE(text.find("auth_ssl_username_from_cert = yes\n"), std::string::npos);
  EXPECT_NE(text.find("mechanisms = external\n"), std::string::npos);
}

TEST(DovecotConfig, ClientCertAuthIn24SyntaxUsesTheRenamedSettings) {
  const auto lines = test_support::client_cert_auth_lines(test_support::DovecotSyntax::V2_4, "/x/client-ca.pem");
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  EXPECT_NE(text.find("ssl_server_ca_file = /x/client-ca.pem\n"), std::string::npos);
  EXPECT_NE(text.find("ssl_server_request_client_cert = yes\n"), std::string::npos);
  EXPECT_NE(text.find("ssl_server_cert_username_field = commonName\n"), std::string::npos);
  EXPECT_NE(text.find("mechanisms_filter = external\n"), std::string::npos);
  EXPECT_EQ(text.find("ssl_verify_client_cert"), std::string::npos);
}

}  // namespace

namespace {

DovecotConfigParams params_2_4(bool ssl) {
  DovecotConfigParams p = params(ssl);
  p.syntax = test_support::DovecotSyntax::V2_4;
  return p;
}

TEST(DovecotConfig, SyntaxFollowsTheInstalledVersion) {
  using test_support::dovecot_syntax_of;
  using test_support::DovecotSyntax;
  EXPECT_EQ(dovecot_syntax_of("2.3.19.1 (9b53102964)\n"), DovecotSyntax::V2_3);
  EXPECT_EQ(dovecot_syntax_of("2.3.21"), DovecotSyntax::V2_3);
  EXPECT_EQ(dovecot_syntax_of("2.4.1-4 (7d8c0e5759)\n"), DovecotSyntax::V2_4);
  EXPECT_EQ(dovecot_syntax_of("2.4.0"), DovecotSyntax::V2_4);
  EXPECT_EQ(dovecot_syntax_of("2.10.0"), DovecotSyntax::V2_4);
  EXPECT_EQ(dovecot_syntax_of("3.0.0"), DovecotSyntax::V2_4);
  EXPECT_EQ(dovecot_syntax_of(""), DovecotSyntax::V2_3);
  EXPECT_EQ(dovecot_syntax_of("dovecot: command not found"), DovecotSyntax::V2_3);
}

TEST(DovecotConfig, Version24StartsWithTheConfigVersion) {
  const std::string conf = render_dovecot_config(params_2_4(true));
  EXPECT_EQ(conf.rfind("dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n", 0), 0u);
  EXPECT_THAT(render_dovecot_config(params(true)), Not(HasSubstr("dovecot_config_version")));
}

TEST(DovecotConfig, Version24SpellsEachOptionItsWay) {
  const std::string conf = render_dovecot_config(params_2_4(true));
  EXPECT_THAT(conf, HasSubstr("passdb passwd-file {\n  passwd_file_path = "
                              "/tmp/popfetchd-dovecot-test/users/%{user}\n}\n"));
  EXPECT_THAT(
      conf,
      HasSubstr("userdb passwd-file {\n  passwd_file_path = /tmp/popfetchd-dovecot-test/users/%{user}\n}\n"));
  EXPECT_THAT(
      conf,
      HasSubstr("mail_driver = maildir\nmail_path = /tmp/popfetchd-dovecot-test/mail/%{user}/Maildir\n"));
  EXPECT_THAT(conf, HasSubstr("pop3_uidl_format = %{uid | hex(8)}%{uidvalidity | hex(8)}\n"));
  EXPECT_THAT(conf, HasSubstr("ssl_server_cert_file = /tmp/popfetchd-dovecot-test/server.pem\n"));
  EXPECT_THAT(conf, HasSubstr("ssl_server_key_file = /tmp/popfetchd-dovecot-test/server.key\n"));
  EXPECT_THAT(conf, HasSubstr("auth_allow_cleartext = yes\n"));
  EXPECT_THAT(conf, HasSubstr("rport=%{remote_port}"));
  EXPECT_THAT(conf, HasSubstr("login_log_format = %{message}: %{elements}\n"));
  EXPECT_THAT(conf, HasSubstr("  restart_request_count = unlimited\n"));
  // Nothing of 2.3's spelling is left.
  for (const char* old : {"mail_location", "ssl_cert =", "ssl_key =", "disable_plaintext_auth",
                          "args =", "service_count", "%u", "%$"}) {
    EXPECT_THAT(conf, Not(HasSubstr(old))) << old;
  }
}

TEST(DovecotConfig, BareUidUidlsInBothSyntaxes) {
  DovecotConfigParams p = params(false);
  p.bare_uid_uidls = true;
  EXPECT_THAT(render_dovecot_config(p), HasSubstr("pop3_uidl_format = %u\n"));
  p.syntax = test_support::DovecotSyntax::V2_4;
  EXPECT_THAT(render_dovecot_config(p), HasSubstr("pop3_uidl_format = %{uid}\n"));
}

TEST(DovecotConfig, Version24LmtpListenerUsesListen) {
  DovecotConfigParams p = params_2_4(false);
  p.lmtp = true;
  p.lmtp_port = 40024;
  EXPECT_THAT(render_dovecot_config(p),
              HasSubstr("  inet_listener lmtp {\n    listen = 127.0.0.1\n    port = 40024\n"));
}

TEST(DovecotConfig, OAuth2InBothSyntaxes) {
  DovecotConfigParams p = params(false);
  EXPECT_THAT(render_dovecot_config(p), Not(HasSubstr("oauth2")));
  p.oauth2_introspection_url = "http://127.0.0.1:1/introspect";
  // 2.3: a passdb whose settings are in a file of their own.
  EXPECT_THAT(render_dovecot_config(p),
              HasSubstr("  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = " +
                        test_support::dovecot_paths(p.dir).oauth2_settings.string() + "\n"));
  EXPECT_THAT(test_support::oauth2_settings_file(p.oauth2_introspection_url),
              HasSubstr("introspection_url = http://127.0.0.1:1/introspect\n"));
  // 2.4: the mechanism reads global settings; no passdb.
  p.syntax = test_support::DovecotSyntax::V2_4;
  const std::string v24 = render_dovecot_config(p);
  EXPECT_THAT(v24, HasSubstr("oauth2_introspection_url = http://127.0.0.1:1/introspect\n"));
  EXPECT_THAT(v24, HasSubstr("oauth2_force_introspection = yes\n"));
  EXPECT_THAT(v24, Not(HasSubstr("driver = oauth2")));
}

}  // namespace
