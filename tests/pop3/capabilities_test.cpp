#include "pop3/capabilities.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pop3/limits.hpp"

namespace pop3 {
namespace {

Capabilities parse(const std::vector<std::string>& lines) {
  Capabilities caps;
  for (const std::string& line : lines) caps.add_line(line);
  return caps;
}

TEST(Capabilities, Rfc2449Example) {
  // RFC 2449 §5's example, plus the extensions we use.
  const Capabilities caps =
      parse({"TOP", "USER", "SASL CRAM-MD5 KERBEROS_V4", "RESP-CODES", "LOGIN-DELAY 900", "PIPELINING",
             "EXPIRE 60", "UIDL", "IMPLEMENTATION Shlemazle-Plotz-v302"});
  EXPECT_TRUE(caps.top);
  EXPECT_TRUE(caps.user);
  EXPECT_TRUE(caps.resp_codes);
  EXPECT_TRUE(caps.login_delay);
  EXPECT_EQ(caps.login_delay_seconds, 900u);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.expire);
  EXPECT_EQ(caps.expire_policy, "60");
  EXPECT_TRUE(caps.uidl);
  EXPECT_EQ(caps.implementation, "Shlemazle-Plotz-v302");
  EXPECT_EQ(caps.sasl, (std::vector<std::string>{"CRAM-MD5", "KERBEROS_V4"}));
  EXPECT_TRUE(caps.has_sasl("cram-md5"));
  EXPECT_FALSE(caps.has_sasl("PLAIN"));
  EXPECT_FALSE(caps.stls);
}

TEST(Capabilities, CaseInsensitiveTagsAndUnknownOnesIgnored) {
  const Capabilities caps = parse({"stls", "Sasl plain LOGIN", "X-FUTURE-THING with params", "AUTH-RESP-CODE",
                                   "", "   ", "LOGIN-DELAY 900 USER", "EXPIRE NEVER"});
  EXPECT_TRUE(caps.stls);
  EXPECT_TRUE(caps.has_sasl("PLAIN"));
  EXPECT_TRUE(caps.has_sasl("LOGIN"));
  EXPECT_TRUE(caps.auth_resp_code);
  EXPECT_EQ(caps.login_delay_seconds, 900u);
  EXPECT_EQ(caps.expire_policy, "NEVER");
  EXPECT_EQ(caps.summary(), "STLS SASL(PLAIN LOGIN) AUTH-RESP-CODE LOGIN-DELAY EXPIRE");
}

TEST(Capabilities, SaslListIsBoundedAndValidated) {
  std::string many = "SASL";
  for (int i = 0; i < 100; ++i) many += " MECH" + std::to_string(i);
  const Capabilities caps = parse({many, "SASL PLAIN PLAIN bad/name " + std::string(30, 'A')});
  EXPECT_EQ(caps.sasl.size(), kMaxSaslMechanisms);
  EXPECT_FALSE(caps.has_sasl("bad/name"));
}

TEST(Capabilities, UntrustedTextIsSanitised) {
  const Capabilities caps = parse({"IMPLEMENTATION evil\x1b[2J server"});
  EXPECT_EQ(caps.implementation, "evil?[2J server");
}

TEST(Capabilities, LoginDelayWithoutNumber) {
  const Capabilities caps = parse({"LOGIN-DELAY soon"});
  EXPECT_TRUE(caps.login_delay);
  EXPECT_FALSE(caps.login_delay_seconds.has_value());
}

}  // namespace
}  // namespace pop3
