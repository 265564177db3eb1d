#include "mail/charset.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Charset, Utf8PassesThroughAndIsRepaired) {
  EXPECT_EQ(mail::to_utf8("Gr\xc3\xbc\xc3\x9f"
                           "e",
                           "UTF-8"),
            "Gr\xc3\xbc\xc3\x9f"
            "e");
  // A lone 0xFC in "UTF-8" text is read as Latin-1 rather than refused.
  EXPECT_EQ(mail::to_utf8("Gr\xfc\xdf"
                           "e",
                           "utf-8"),
            "Gr\xc3\xbc\xc3\x9f"
            "e");
}

TEST(Charset, Latin1IsConvertedNatively) {
  EXPECT_EQ(mail::to_utf8("caf\xe9", "ISO-8859-1"), "caf\xc3\xa9");
  EXPECT_EQ(mail::to_utf8("caf\xe9", "latin1"), "caf\xc3\xa9");
}

TEST(Charset, OtherCharsetsGoThroughIconv) {
  // KOI8-R "привет"
  auto text = mail::to_utf8("\xd0\xd2\xc9\xd7\xc5\xd4", "KOI8-R");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  // Windows-1252 has the euro sign at 0x80.
  EXPECT_EQ(mail::to_utf8("\x80", "windows-1252"), "\xe2\x82\xac");
}

TEST(Charset, UnknownOrSuspiciousCharsetsAreRefused) {
  EXPECT_EQ(mail::to_utf8("abc", "x-no-such-charset"), std::nullopt);
  EXPECT_EQ(mail::to_utf8("abc", "UTF-8//TRANSLIT"), std::nullopt);
  EXPECT_EQ(mail::to_utf8("abc", ""), std::nullopt);
  EXPECT_EQ(mail::to_utf8("abc", std::string(100, 'a')), std::nullopt);
}

TEST(Charset, InvalidBytesInACharsetAreRefused) {
  // 0x81 is not a valid lead byte in Shift_JIS when followed by a control byte.
  EXPECT_EQ(mail::to_utf8("\x81\x01", "SHIFT_JIS"), std::nullopt);
}

TEST(Charset, Utf8Validation) {
  EXPECT_TRUE(mail::is_valid_utf8("plain"));
  EXPECT_TRUE(mail::is_valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(mail::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(mail::is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(mail::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(mail::is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_TRUE(mail::is_valid_utf8(mail::make_valid_utf8("\xe2\x82")));
}

TEST(Charset, CaseInsensitiveEquality) {
  EXPECT_TRUE(mail::iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(mail::iequals("From", "Fro"));
}

}  // namespace

// make_valid_utf8 skips ASCII eight bytes at a time: put the non-ASCII bytes
// at every offset around those word boundaries, and at both ends.
TEST(Charset, NonAsciiBytesAtEveryOffsetOfLongAsciiText) {
  const std::string ascii = "The quick brown fox jumps over the dog";
  for (std::size_t at = 0; at <= ascii.size(); ++at) {
    SCOPED_TRACE(at);
    const std::string prefix = ascii.substr(0, at), suffix = ascii.substr(at);
    // A valid two-byte sequence stays; a stray byte is read as Latin-1.
    EXPECT_EQ(mail::make_valid_utf8(prefix + "\xc3\xa9" + suffix), prefix + "\xc3\xa9" + suffix);
    EXPECT_EQ(mail::make_valid_utf8(prefix + "\xe9" + suffix), prefix + "\xc3\xa9" + suffix);
    EXPECT_EQ(mail::make_valid_utf8(prefix + "\xe9\xff" + suffix), prefix + "\xc3\xa9\xc3\xbf" + suffix);
    EXPECT_TRUE(mail::is_valid_utf8(prefix + "\xc3\xa9" + suffix));
    EXPECT_FALSE(mail::is_valid_utf8(prefix + "\xe9" + suffix));
  }
  EXPECT_EQ(mail::make_valid_utf8(ascii), ascii);
  EXPECT_EQ(mail::make_valid_utf8(""), "");
}
