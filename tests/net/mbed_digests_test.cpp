// MD5 (RFC 1321 appendix A.5), HMAC-MD5 (RFC 2202 §2) and the two POP3 uses of
// them (RFC 1939 APOP, RFC 2195 CRAM-MD5) through net::MbedDigests.

#include "net/mbed_digests.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string hex(const pop3::Md5Digest& digest) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t byte : digest) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  return out;
}

class MbedDigestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = net::MbedDigests::create();
    ASSERT_TRUE(created.ok()) << created.error().message;
    digests_ = std::move(*created);
  }
  std::unique_ptr<net::MbedDigests> digests_;
};

struct Md5Case {
  std::string input;
  std::string digest;
};

TEST_F(MbedDigestsTest, Md5MatchesRfc1321TestSuite) {
  const Md5Case cases[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto& c : cases) EXPECT_EQ(hex(digests_->md5(c.input)), c.digest) << '"' << c.input << '"';
}

TEST_F(MbedDigestsTest, Md5OfApopExampleFromRfc1939) {
  EXPECT_EQ(hex(digests_->md5("<1896.697170952@dbc.mtview.ca.us>tanstaaf")),
            "c4c9334bac560ecc979e58001b3e22fb");
}

struct HmacCase {
  std::string key;
  std::string data;
  std::string digest;
};

TEST_F(MbedDigestsTest, HmacMd5MatchesRfc2202TestCases) {
  std::string key4;
  for (char c = 0x01; c <= 0x19; ++c) key4 += c;
  const HmacCase cases[] = {
      {std::string(16, '\x0b'), "Hi There", "9294727a3638bb1c13f48ef8158bfc9d"},
      {"Jefe", "what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"},
      {std::string(16, '\xaa'), std::string(50, '\xdd'), "56be34521d144c88dbb8c733f0e8b3f6"},
      {key4, std::string(50, '\xcd'), "697eaf0aca3a3aea3a75164746ffaa79"},
      {std::string(16, '\x0c'), "Test With Truncation", "56461ef2342edc00f9bab995690efd4c"},
      {std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
      {std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
       "6f630fad67cda0ee1fb1f562db3aa53e"},
  };
  int number = 1;
  for (const auto& c : cases)
    EXPECT_EQ(hex(digests_->hmac_md5(c.key, c.data)), c.digest) << "case " << number++;
}

TEST_F(MbedDigestsTest, CramMd5ExampleFromRfc2195) {
  EXPECT_EQ(hex(digests_->hmac_md5("tanstaaftanstaaf", "<1896.697170952@postoffice.reston.mci.net>")),
            "b913a602c7eda7a495b4e6e7334d3890");
}

TEST_F(MbedDigestsTest, WorksThroughTheEngineInterface) {
  const pop3::Digests& digests = *digests_;
  EXPECT_EQ(hex(digests.md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
}

}  // namespace
