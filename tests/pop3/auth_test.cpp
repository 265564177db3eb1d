#include "pop3/auth.hpp"

#include <gtest/gtest.h>

#include "fake_digests.hpp"
#include "pop3/base64.hpp"

namespace pop3 {
namespace {

using namespace std::string_literals;
using testing::FakeDigests;

TEST(Auth, SaslPlainHasAnEmptyAuthzid) {
  // RFC 4616 §4's example: "\0tim\0tanstaaftanstaaf".
  const std::string response = sasl_plain_response("tim", "tanstaaftanstaaf");
  EXPECT_EQ(response, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  EXPECT_EQ(base64_decode(response), "\0tim\0tanstaaftanstaaf"s);
}

TEST(Auth, CramMd5Rfc2195Example) {
  FakeDigests digests;
  const std::string response =
      cram_md5_response(testing::kCramUser, testing::kCramPassword, testing::kCramChallenge, digests);
  EXPECT_EQ(response, testing::kCramResponse);
  EXPECT_EQ(base64_decode(response), "tim b913a602c7eda7a495b4e6e7334d3890");
  EXPECT_EQ(digests.misses(), 0);
}

TEST(Auth, ApopRfc1939Example) {
  FakeDigests digests;
  EXPECT_EQ(apop_digest(testing::kApopTimestamp, testing::kApopPassword, digests), testing::kApopDigest);
  EXPECT_EQ(digests.misses(), 0);
}

TEST(Auth, HexIsLowerCase) {
  Md5Digest digest{};
  digest[0] = 0xAB;
  digest[15] = 0x0F;
  EXPECT_EQ(to_lower_hex(digest), "ab00000000000000000000000000000f");
}

TEST(Auth, GreetingTimestamp) {
  EXPECT_EQ(greeting_timestamp("POP3 server ready <1896.697170952@dbc.mtview.ca.us>"),
            "<1896.697170952@dbc.mtview.ca.us>");
  EXPECT_EQ(greeting_timestamp("Dovecot ready. <1a2b.3.5d2f.abc@host>"), "<1a2b.3.5d2f.abc@host>");
  EXPECT_EQ(greeting_timestamp("<not one> then <1.2@x>"), "<1.2@x>");
  EXPECT_EQ(greeting_timestamp("a < b and <c@d>"), "<c@d>");
  EXPECT_FALSE(greeting_timestamp("POP3 server ready"));
  EXPECT_FALSE(greeting_timestamp("<no-at-sign>"));
  EXPECT_FALSE(greeting_timestamp("<with space@host>"));
  EXPECT_FALSE(greeting_timestamp("<unterminated@host"));
  EXPECT_FALSE(greeting_timestamp("<>"));
  EXPECT_FALSE(greeting_timestamp("<a\x01@b>"));
}

}  // namespace
}  // namespace pop3

namespace pop3 {
namespace {

using namespace std::string_literals;

bool holds_form_of(const std::vector<std::string>& forms, std::string_view text) {
  for (const std::string& form : forms) {
    if (text.find(form) != std::string_view::npos) return true;
  }
  return false;
}

TEST(Auth, PasswordFormsCoverItsBase64AtEveryAlignment) {
  const std::vector<std::string> forms = password_forms("alice", "Secret-Pw1");
  EXPECT_TRUE(holds_form_of(forms, "PASS Secret-Pw1"));
  EXPECT_TRUE(holds_form_of(forms, sasl_plain_response("alice", "Secret-Pw1")));
  EXPECT_TRUE(holds_form_of(forms, base64_encode("alice\0alice\0Secret-Pw1"s)));
  // The password inside any longer base64 string, whatever precedes it.
  for (const std::string& prefix : {""s, "x"s, "xy"s, "xyz"s, "\0bob\0"s, "user\0"s}) {
    SCOPED_TRACE(prefix.size());
    EXPECT_TRUE(holds_form_of(forms, base64_encode(prefix + "Secret-Pw1" + "tail")));
  }
  EXPECT_FALSE(holds_form_of(forms, base64_encode("another secret")));
  EXPECT_TRUE(password_forms("alice", "").empty());
}

}  // namespace
}  // namespace pop3
