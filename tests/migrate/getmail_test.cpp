#include "migrate/getmail.hpp"

#include <gtest/gtest.h>

#include "imported.hpp"

namespace {

using migrate_test::account;
using migrate_test::has_comment;

TEST(GetmailImport, SslRetrieverWithPasswordCommandAndMaildir) {
  const auto [yaml, c] = migrate_test::import(migrate::Tool::Getmail, migrate_test::sample("getmailrc"));
  ASSERT_EQ(c.accounts.size(), 1u);
  const config::Account& a = account(c, "joe.smith_at_pop.work.example");
  EXPECT_EQ(a.server, "pop.work.example");
  EXPECT_EQ(a.port, 995);
  EXPECT_EQ(a.security, config::Security::Tls);
  EXPECT_EQ(a.username, "joe.smith");
  EXPECT_EQ(a.password.kind, config::PasswordSource::Kind::Command);
  EXPECT_EQ(a.password.value, "/usr/bin/pass show mail/work");
  EXPECT_EQ(a.ca_file, "/etc/ssl/certs/work-ca.pem");
  EXPECT_TRUE(a.keep);
  EXPECT_EQ(a.delete_after, std::chrono::seconds{30 * 24 * 3600});
  EXPECT_EQ(a.max_message_size, 20000000u);
  ASSERT_EQ(a.deliver.size(), 1u);
  EXPECT_EQ(a.deliver[0].kind, config::DeliveryTarget::Kind::Maildir);
  EXPECT_EQ(a.deliver[0].path.rfind("/home/joe/Mail/work", 0), 0u) << a.deliver[0].path;
  EXPECT_TRUE(has_comment(yaml, "getmail: '[filter-1]' not carried over")) << yaml;
  EXPECT_TRUE(has_comment(yaml, "getmail: '[options] verbose = 2' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "getmail: '[options] message_log = ~/.getmail/log' not carried over"));
  EXPECT_TRUE(has_comment(yaml, "getmail: '[retriever] mailboxes = (\"INBOX\",)' not carried over"));
}

TEST(GetmailImport, PlainRetrieverWithMdaAndAnAwkwardPassword) {
  const auto [yaml, c] = migrate_test::import(migrate::Tool::Getmail, migrate_test::sample("getmailrc-mda"));
  const config::Account& a = account(c, "archive_at_192.0.2.7");
  EXPECT_EQ(a.security, config::Security::None);
  EXPECT_EQ(a.port, 110);
  EXPECT_EQ(a.password.value, "p@ss \"w0rd\" \\with; semi");
  EXPECT_FALSE(a.keep);
  ASSERT_EQ(a.deliver.size(), 1u);
  EXPECT_EQ(a.deliver[0].argv,
            (std::vector<std::string>{"/usr/lib/dovecot/dovecot-lda", "-d", "archive", "-m", "INBOX/old"}));
}

TEST(GetmailImport, PlaceholdersAndImap) {
  const std::string yaml = migrate_test::imported_yaml(
      migrate::Tool::Getmail,
      "[retriever]\ntype = SimplePOP3Retriever\nserver = s\nusername = u\npassword = p\n"
      "[destination]\ntype = MDA_external\npath = /usr/bin/procmail\narguments = (\"-d\", \"%(local)\")\n");
  EXPECT_TRUE(has_comment(yaml, "%(...) placeholders are not supported")) << yaml;
  migrate_test::load(yaml);
  auto r = migrate::import_config(migrate::Tool::Getmail, "[retriever]\ntype = SimpleIMAPSSLRetriever\n", "f", {});
  EXPECT_FALSE(r.ok());
}

TEST(GetmailImport, ErrorsNameTheLine) {
  auto r = migrate::from_getmail("[retriever]\ntype = SimplePOP3Retriever\nthis is not ini\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 3: expected [section] or key = value (got 'this is not ini')");
  r = migrate::from_getmail("server = x\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 1: a key before the first [section]");
}

TEST(GetmailImport, PythonTuples) {
  EXPECT_EQ(*migrate::python_strings("(\"a\", 'b c',)"), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(*migrate::python_strings("('x')"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(*migrate::python_strings("()"), (std::vector<std::string>{}));
  EXPECT_FALSE(migrate::python_strings("(\"a\" \"b\")").has_value());
  EXPECT_FALSE(migrate::python_strings("(\"a\"").has_value());
}

}  // namespace
