#include "migrate/draft.hpp"

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace {

using Words = std::vector<std::string>;

TEST(SplitCommand, WordsAndQuotesWithoutAShell) {
  EXPECT_EQ(*migrate::split_command("/usr/bin/procmail -d joe"), (Words{"/usr/bin/procmail", "-d", "joe"}));
  EXPECT_EQ(*migrate::split_command("/bin/x 'a b' \"c \\\"d\\\"\" e\\ f"), (Words{"/bin/x", "a b", "c \"d\"", "e f"}));
  EXPECT_FALSE(migrate::split_command("/bin/x | y").has_value());
  EXPECT_FALSE(migrate::split_command("/bin/x > out").has_value());
  EXPECT_FALSE(migrate::split_command("/bin/x \"$HOME\"").has_value());
  EXPECT_FALSE(migrate::split_command("/bin/x 'open").has_value());
}

TEST(ShellQuote, PlainWordsStayPlain) {
  EXPECT_EQ(migrate::shell_quote("/usr/bin/pass"), "/usr/bin/pass");
  EXPECT_EQ(migrate::shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(migrate::shell_quote(""), "''");
}

TEST(Sha256Fingerprint, OnlySixtyFourHexDigits) {
  EXPECT_EQ(migrate::sha256_fingerprint(std::string(64, 'a'))->substr(0, 12), "sha256:AA:AA");
  EXPECT_TRUE(migrate::sha256_fingerprint("SHA256:" + std::string(64, '0')).has_value());
  EXPECT_FALSE(migrate::sha256_fingerprint(std::string(32, 'a')).has_value());
  EXPECT_FALSE(migrate::sha256_fingerprint(std::string(40, 'a')).has_value());
  EXPECT_FALSE(migrate::sha256_fingerprint(std::string(63, 'a') + "g").has_value());
}

TEST(AccountNames, ValidAndUnique) {
  std::vector<migrate::Draft> drafts(5);
  drafts[0].username = "joe@example.com";
  drafts[0].server = "pop.example.com";
  drafts[1] = drafts[0];
  drafts[2].name_hint = "..";
  drafts[3].name_hint = "a/b c";
  drafts[4].server = "mail.example";
  const auto names = migrate::account_names(drafts);
  EXPECT_EQ(names, (Words{"joe_example.com_at_pop.example.com", "joe_example.com_at_pop.example.com-2", "account",
                          "a_b_c", "mail.example"}));
  for (const auto& name : names) EXPECT_TRUE(config::valid_account_name(name)) << name;
}

}  // namespace
