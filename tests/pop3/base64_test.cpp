#include "pop3/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pop3 {
namespace {

using namespace std::string_literals;

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
}

TEST(Base64, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string part = bytes.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
  }
  EXPECT_EQ(base64_encode("\0\xff\xfe"s), "AP/+");
}

TEST(Base64, MissingPaddingIsAccepted) {
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64, RejectsMalformedInput) {
  for (const char* bad : {"Z", "Zg=", "Z===", "Zg==Zg==", "Zm9v!", "Zm 9v", "Zh==", "=", "Zm9\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(base64_decode(bad).has_value());
  }
}

}  // namespace
}  // namespace pop3
