#include "migrate/fetchmail.hpp"

#include <gtest/gtest.h>

#include "imported.hpp"

namespace {

using migrate_test::account;
using migrate_test::has_comment;
using migrate_test::kSamplePin;

TEST(FetchmailImport, SampleLoadsWithEveryPop3User) {
  const auto [yaml, c] = migrate_test::import(migrate::Tool::Fetchmail, migrate_test::sample("fetchmailrc"));
  ASSERT_EQ(c.accounts.size(), 3u) << yaml;

  const config::Account& joe = account(c, "joe_example.com_at_pop.example.com");
  EXPECT_EQ(joe.server, "pop.example.com");
  EXPECT_EQ(joe.port, 995);
  EXPECT_EQ(joe.security, config::Security::Tls);
  EXPECT_EQ(joe.username, "joe@example.com");
  EXPECT_EQ(joe.password.kind, config::PasswordSource::Kind::Literal);
  EXPECT_EQ(joe.password.value, "se\"cr#et\\x");
  EXPECT_EQ(joe.ca_file, "/etc/ssl/certs/example-ca.pem");
  ASSERT_EQ(joe.tls_fingerprints.size(), 1u);
  EXPECT_EQ(joe.tls_fingerprints[0], *config::parse_sha256_fingerprint(kSamplePin));
  EXPECT_TRUE(joe.keep);
  EXPECT_EQ(joe.max_message_size, 1000000u);
  ASSERT_EQ(joe.deliver.size(), 1u);
  EXPECT_EQ(joe.deliver[0].argv, (std::vector<std::string>{"/usr/bin/procmail", "-d", "joe"}));

  const config::Account& bob = account(c, "bob_at_10.0.0.5");
  EXPECT_EQ(bob.server, "10.0.0.5");  // via
  EXPECT_EQ(bob.security, config::Security::StartTls);
  EXPECT_EQ(bob.port, 110);
  EXPECT_EQ(bob.auth, config::AuthMethod::CramMd5);  // auth apop
  EXPECT_EQ(bob.timeout, std::chrono::seconds{30});
  EXPECT_EQ(bob.password.value, "b0b");
  EXPECT_FALSE(bob.keep);
  EXPECT_TRUE(bob.deliver.empty());

  const config::Account& alice = account(c, "alice_at_10.0.0.5");
  EXPECT_EQ(alice.security, config::Security::None);  // sslproto ''
  EXPECT_EQ(alice.password.value, "al ice");
  EXPECT_FALSE(alice.keep);
  EXPECT_TRUE(alice.tls_fingerprints.empty());
}

TEST(FetchmailImport, SampleCommentsWhatItCannotCarry) {
  const std::string yaml = migrate_test::imported_yaml(migrate::Tool::Fetchmail, migrate_test::sample("fetchmailrc"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'set daemon 300' not carried over: set poll_interval")) << yaml;
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'set logfile /home/joe/.fetchmail.log' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'fetchlimit 50' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'is joe here' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'mda \"/usr/bin/procmail -d %T\"' not carried over: %T/%F placeholders"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'flush' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'sslfingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF' "
                                "not carried over: an MD5 or SHA-1 fingerprint"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'poll imap.example.org protocol imap user carol' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "fetchmail: 'skip old.example.net' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "a literal password: better move it to a password_file"));
  EXPECT_EQ(yaml.find("username: \"carol\""), std::string::npos) << "the IMAP account is only a comment";
}

TEST(FetchmailImport, WithoutUserOrPasswordTheLocalUserAndAPasswordFile) {
  const auto [yaml, c] = migrate_test::import(migrate::Tool::Fetchmail, "poll pop.example.net ssl\n");
  const config::Account& a = account(c, "localjoe_at_pop.example.net");
  EXPECT_EQ(a.username, "localjoe");
  EXPECT_EQ(a.password.kind, config::PasswordSource::Kind::File);
  EXPECT_EQ(a.password.value, "/etc/popfetchd/localjoe_at_pop.example.net.password");
  EXPECT_FALSE(a.keep);
  EXPECT_TRUE(has_comment(yaml, "fetchmail: delivery by SMTP not carried over"));
}

TEST(FetchmailImport, NoSslMeansOpportunisticStarttlsWithAWarning) {
  const auto [yaml, c] = migrate_test::import(migrate::Tool::Fetchmail, "poll h user u pass p\n");
  EXPECT_EQ(account(c, "u_at_h").security, config::Security::StartTlsIfAvailable);
  EXPECT_TRUE(has_comment(yaml, "prefer starttls or tls"));
}

TEST(FetchmailImport, ErrorsNameTheLine) {
  migrate::ImportOptions options;
  auto r = migrate::from_fetchmail("poll a\n  user b password \"open\n", options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 2: unterminated string");
  r = migrate::from_fetchmail("poll a\nuser b\n  frobnicate 3\n", options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 3: unknown keyword 'frobnicate'");
  r = migrate::from_fetchmail("poll a user", options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 1: user needs a value");
}

TEST(FetchmailImport, OnlyImapIsAnError) {
  auto r = migrate::import_config(migrate::Tool::Fetchmail, "poll x proto imap user a pass b\n", "f", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no POP3 account to import"), std::string::npos);
}

}  // namespace
