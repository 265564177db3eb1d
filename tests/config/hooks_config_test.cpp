// on_failure and on_new_mail: an argv like deliver's mda, per account or in
// defaults:, "" turning one from defaults off, and the errors with their position.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace {

using Argv = std::vector<std::string>;

const std::string kAccount = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";

std::string errors(const config::LoadResult& result) {
  std::string text;
  for (const auto& e : result.errors) text += e.to_string() + "\n";
  return text;
}

TEST(HooksConfig, ArgvPerAccountAndFromDefaults) {
  const auto result = config::load_string(
      "defaults:\n  on_failure: [/usr/local/bin/notify, --urgent]\n" + kAccount +
          "    on_new_mail: [/usr/local/bin/new-mail, \"two words\"]\n"
          "  - name: b\n    server: s\n    username: u\n    password: p\n    on_failure: \"\"\n",
      "/etc/popfetchd/p.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  const config::Account& a = result.config->accounts.at(0);
  EXPECT_EQ(a.on_failure, (Argv{"/usr/local/bin/notify", "--urgent"}));
  EXPECT_EQ(a.on_new_mail, (Argv{"/usr/local/bin/new-mail", "two words"}));
  const config::Account& b = result.config->accounts.at(1);
  EXPECT_TRUE(b.on_failure.empty());
  EXPECT_TRUE(b.on_new_mail.empty());
}

TEST(HooksConfig, AbsentMeansNone) {
  const auto result = config::load_string(kAccount, "/etc/popfetchd/p.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_TRUE(result.config->accounts.at(0).on_failure.empty());
  EXPECT_TRUE(result.config->accounts.at(0).on_new_mail.empty());
}

struct BadCase {
  std::string lines;
  int line;
  int column;
  std::string says;
};

class HooksConfigInvalid : public ::testing::TestWithParam<BadCase> {};

TEST_P(HooksConfigInvalid, IsOneErrorAtItsPosition) {
  const auto result = config::load_string(kAccount + GetParam().lines, "/etc/popfetchd/p.yaml");
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << errors(result);
  EXPECT_EQ(result.errors[0].location.line, GetParam().line) << errors(result);
  EXPECT_EQ(result.errors[0].location.column, GetParam().column) << errors(result);
  EXPECT_NE(result.errors[0].message.find(GetParam().says), std::string::npos) << errors(result);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HooksConfigInvalid,
    ::testing::Values(
        BadCase{"    on_failure: /usr/bin/notify --urgent\n", 6, 17, "on_failure must be a list"},
        BadCase{"    on_new_mail: [notify]\n", 6, 18, "on_new_mail: the program must be an absolute path"},
        BadCase{"    on_new_mail: []\n", 6, 18, "on_new_mail must be a list"},
        BadCase{"    on_failure: [/bin/x, [a]]\n", 6, 26, "every word of on_failure must be a string"},
        BadCase{"    on_failur: [/bin/x]\n", 6, 5, "did you mean 'on_failure'"}));

}  // namespace
