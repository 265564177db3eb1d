#include "migrate/mpop.hpp"

#include <gtest/gtest.h>

#include "imported.hpp"

namespace {

using migrate_test::account;
using migrate_test::has_comment;
using migrate_test::kSamplePin;

TEST(MpopImport, SampleAccountsKeepTheirNames) {
  const auto [yaml, c] = migrate_test::import(migrate::Tool::Mpop, migrate_test::sample("mpoprc"));
  ASSERT_EQ(c.accounts.size(), 3u) << yaml;

  const config::Account& p = account(c, "personal");
  EXPECT_EQ(p.server, "pop.example.com");
  EXPECT_EQ(p.port, 995);
  EXPECT_EQ(p.security, config::Security::Tls);  // tls on, tls_starttls off
  EXPECT_EQ(p.username, "joe@example.com");
  EXPECT_EQ(p.password.kind, config::PasswordSource::Kind::Command);
  EXPECT_EQ(p.password.value, "pass show mail/personal | head -n 1");
  EXPECT_EQ(p.auth, config::AuthMethod::ScramSha256);
  ASSERT_EQ(p.tls_fingerprints.size(), 1u);
  EXPECT_EQ(p.tls_fingerprints[0], *config::parse_sha256_fingerprint(kSamplePin));
  EXPECT_TRUE(p.keep);  // from defaults
  ASSERT_EQ(p.deliver.size(), 1u);
  EXPECT_EQ(p.deliver[0].kind, config::DeliveryTarget::Kind::Maildir);
  EXPECT_EQ(p.deliver[0].path, "/home/joe/Maildir");

  const config::Account& w = account(c, "work");
  EXPECT_EQ(w.server, "mail.corp.example");
  EXPECT_EQ(w.port, 110);
  EXPECT_EQ(w.security, config::Security::StartTls);
  EXPECT_EQ(w.username, "bob");
  EXPECT_EQ(w.password.kind, config::PasswordSource::Kind::Literal);  // overrides the inherited passwordeval
  EXPECT_EQ(w.password.value, "pa ss\"word");
  EXPECT_EQ(w.auth, config::AuthMethod::CramMd5);
  EXPECT_FALSE(w.keep);
  EXPECT_TRUE(w.tls_fingerprints.empty());
  EXPECT_EQ(w.pipelining, config::Pipelining::Off);
  ASSERT_EQ(w.deliver.size(), 1u);
  EXPECT_EQ(w.deliver[0].argv, (std::vector<std::string>{"/usr/bin/procmail", "-d", "bob"}));

  const config::Account& h = account(c, "home_lan");
  EXPECT_EQ(h.security, config::Security::None);
  EXPECT_EQ(h.auth, config::AuthMethod::Plain);
  EXPECT_EQ(h.password.value, "secret");
  EXPECT_TRUE(h.deliver.empty());
}

TEST(MpopImport, SampleCommentsWhatItCannotCarry) {
  const std::string yaml = migrate_test::imported_yaml(migrate::Tool::Mpop, migrate_test::sample("mpoprc"));
  EXPECT_TRUE(has_comment(yaml, "mpop: 'tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33' "
                                "not carried over: an MD5 or SHA-1 fingerprint")) << yaml;
  EXPECT_TRUE(has_comment(yaml, "mpop: 'uidls_file ~/.mpop_uidls/work' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "mpop: 'killsize 10m' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "mpop: 'delivery mda /usr/bin/procmail -f %F' not carried over: %F placeholders"));
  EXPECT_TRUE(has_comment(yaml, "mpop: 'account default' not carried over"));
}

TEST(MpopImport, MissingUserOrOddMdaStillLoads) {
  migrate::ImportOptions options;
  options.local_user = "localjoe";
  auto yaml = migrate::import_config(migrate::Tool::Mpop,
                                     "account a\nhost h\ndelivery mda '' -x\naccount b\nhost \"\"\n", "f", options);
  ASSERT_TRUE(yaml.ok()) << yaml.error().message;
  const config::Config c = migrate_test::load(*yaml);
  ASSERT_EQ(c.accounts.size(), 1u) << *yaml;
  EXPECT_EQ(account(c, "a").username, "localjoe");
  EXPECT_TRUE(has_comment(*yaml, "mpop: no user name given: took 'localjoe'")) << *yaml;
  EXPECT_TRUE(has_comment(*yaml, "the program must be an absolute path")) << *yaml;
  EXPECT_TRUE(has_comment(*yaml, "mpop: 'account b' not carried over: it has no host")) << *yaml;
}

TEST(MpopImport, ErrorsNameTheLine) {
  auto r = migrate::from_mpop("# c\nhost x\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 2: 'host' before the first account or defaults line");
  r = migrate::from_mpop("account a\nhost h\naccount b : missing\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 3: account b: no account 'missing' before it");
  r = migrate::from_mpop("account a\npassword \"open\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 2: unterminated quote");
}

}  // namespace
