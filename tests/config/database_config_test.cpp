// `database:`: a path (the SQLite archive, relative to the config file) or a
// postgresql:// URI (kept as written), and what a PostgreSQL archive refuses.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"

namespace {

const std::string kAccount =
    "accounts:\n  - name: a\n    server: s\n    email: alice@example.com\n    password: p\n";

std::string errors(const config::LoadResult& result) {
  std::string text;
  for (const auto& e : result.errors) text += e.to_string() + "\n";
  return text;
}

TEST(DatabaseConfig, APathIsResolvedAgainstTheConfigFile) {
  const auto result = config::load_string("database: archive.db\n" + kAccount, "/etc/popfetchd/p.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_EQ(result.config->database, "/etc/popfetchd/archive.db");
}

TEST(DatabaseConfig, APostgresUriIsKeptAsWritten) {
  for (const std::string uri : {"postgresql:///popfetchd", "postgres://arch@db.example:5432/mail?sslmode=require",
                                "PostgreSQL://h/db"}) {
    const auto result = config::load_string("database: \"" + uri + "\"\n" + kAccount, "/etc/popfetchd/p.yaml");
    ASSERT_TRUE(result.ok()) << uri << ": " << errors(result);
    EXPECT_EQ(result.config->database, uri);
  }
}

TEST(DatabaseConfig, DeliveryTargetsAreRefusedWithAPostgresArchive) {
  const auto result = config::load_string(
      "database: postgresql:///popfetchd\n" + kAccount + "    deliver:\n      - maildir: /srv/Maildir\n",
      "/etc/popfetchd/p.yaml");
  ASSERT_FALSE(result.ok());
  const std::string text = errors(result);
  EXPECT_NE(text.find("account 'a': deliver: targets are not yet supported with a PostgreSQL archive"),
            std::string::npos)
      << text;
}

}  // namespace
