#include "common/sanitize.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

TEST(Sanitize, KeepsPrintableText) { EXPECT_EQ(common::sanitize("-ERR [AUTH] nope"), "-ERR [AUTH] nope"); }

TEST(Sanitize, ReplacesControlAndHighBytes) {
  EXPECT_EQ(common::sanitize(std::string_view("a\r\nb\0c\x1b[31m\xff", 12)), "a??b?c?[31m?");
}

TEST(Sanitize, CutsLongText) {
  std::string long_text(500, 'x');
  std::string out = common::sanitize(long_text, 10);
  EXPECT_EQ(out, std::string(10, 'x') + "...");
}

TEST(Sanitize, ExactLengthIsNotCut) { EXPECT_EQ(common::sanitize("abcde", 5), "abcde"); }

}  // namespace

namespace {

using namespace std::string_literals;

const std::vector<std::string> kSecrets = {"hunter2", "aHVudGVyMg==", "hunter"};

TEST(Redact, ReplacesEverySecretTheLongestFirst) {
  EXPECT_EQ(common::redact("-ERR PASS hunter2 rejected (hunter2)", kSecrets), "-ERR PASS *** rejected (***)");
  EXPECT_EQ(common::redact("b64 aHVudGVyMg== and hunter", kSecrets), "b64 *** and ***");
  EXPECT_EQ(common::redact("nothing here", kSecrets), "nothing here");
  EXPECT_EQ(common::redact("", kSecrets), "");
}

TEST(Redact, IgnoresEmptySecretsAndNoSecrets) {
  const std::vector<std::string> empty = {""};
  EXPECT_EQ(common::redact("text", empty), "text");
  EXPECT_EQ(common::redact("text", {}), "text");
}

TEST(QuoteUntrusted, RedactsBeforeSanitisingAndCutting) {
  // A secret with a byte sanitize() would change, and one the cut would halve.
  const std::vector<std::string> secrets = {"p\xe4ss\r"s};
  EXPECT_EQ(common::quote_untrusted("-ERR p\xe4ss\r bad\r\n"s, secrets), "-ERR *** bad??");
  const std::vector<std::string> long_secret = {std::string(8, 's')};
  EXPECT_EQ(common::quote_untrusted("1234" + std::string(8, 's'), long_secret, 6), "1234**...");
}

TEST(WipeSecret, LeavesAnEmptyString) {
  std::string secret = "a password well beyond the small-string buffer";
  common::wipe_secret(secret);
  EXPECT_TRUE(secret.empty());
  std::string small = "pw";
  common::wipe_secret(small);
  EXPECT_TRUE(small.empty());
}

}  // namespace
