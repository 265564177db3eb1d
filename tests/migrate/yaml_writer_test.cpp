#include "migrate/yaml_writer.hpp"

#include <gtest/gtest.h>

#include "imported.hpp"

namespace {

// Every byte a password may hold (but NUL and line ends, which no password
// source can carry) must read back exactly.
TEST(YamlWriter, PasswordsRoundTrip) {
  const std::vector<std::string> passwords{
      "plain", "with \"quotes\" and \\back\\slashes", "# not a comment", "- not: a list", "'single'",
      "tab\there", "ctrl\x01\x1f\x7f", "ünïcødé €", " leading and trailing ", "%{{x}}&*!|>", "null", "true", "123"};
  migrate::Translation t;
  for (const std::string& password : passwords) {
    migrate::Draft d;
    d.server = "pop.example.com";
    d.username = "u";
    d.password = password;
    t.accounts.push_back(d);
  }
  const std::string yaml = migrate::write_yaml(t, "test", "file");
  const config::Config c = migrate_test::load(yaml);
  ASSERT_EQ(c.accounts.size(), passwords.size()) << yaml;
  for (std::size_t i = 0; i < passwords.size(); ++i) EXPECT_EQ(c.accounts[i].password.value, passwords[i]);
}

TEST(YamlWriter, NotesStayOneCommentLine) {
  migrate::Translation t;
  t.notes.push_back("file note\naccounts: []");
  migrate::Draft d;
  d.server = "s";
  d.username = "u";
  d.password_command = "pass show x";
  d.notes.push_back("two\nlines");
  t.accounts.push_back(d);
  const std::string yaml = migrate::write_yaml(t, "test", "file");
  EXPECT_NE(yaml.find("# file note?accounts: []\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  # two?lines\n  - name: \"u_at_s\"\n"), std::string::npos) << yaml;
  EXPECT_EQ(migrate_test::account(migrate_test::load(yaml), "u_at_s").password.value, "pass show x");
}

}  // namespace
