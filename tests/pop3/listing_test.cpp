#include "pop3/listing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pop3 {
namespace {

TEST(ScanListing, Valid) {
  struct Case {
    std::string line;
    std::uint32_t msgno;
    std::uint64_t size;
  };
  const std::vector<Case> cases = {
      {"1 120", 1, 120},
      {"2 0", 2, 0},
      {"4294967295 18446744073709551615", 4294967295u, 18446744073709551615ull},
      {"3  77", 3, 77},              // extra spaces tolerated
      {"5 100 extra info", 5, 100},  // RFC 1939 §5 allows more after the size
      {"007 010", 7, 10},            // leading zeros are still decimal
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const Parsed<ScanListing> parsed = parse_scan_listing(c.line);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->msgno, c.msgno);
    EXPECT_EQ(parsed.value->size, c.size);
  }
}

TEST(ScanListing, Invalid) {
  for (const std::string line : {"", "1", "1 ", " 1 2", "0 120", "-1 120", "+1 120", "1 -5", "1 12x", "x 12",
                                 "4294967296 1", "1 18446744073709551616", "1\t120", "1 0x10"}) {
    SCOPED_TRACE(line);
    const Parsed<ScanListing> parsed = parse_scan_listing(line);
    EXPECT_FALSE(parsed);
    EXPECT_FALSE(parsed.error.empty());
  }
}

TEST(UidlListing, Valid) {
  const Parsed<UidlListing> parsed = parse_uidl_listing("1 whqtswO00WBw418f9t5JxYwZ");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value->msgno, 1u);
  EXPECT_EQ(parsed.value->uidl, "whqtswO00WBw418f9t5JxYwZ");

  const std::string longest = "9 " + std::string(255, '~');
  EXPECT_TRUE(parse_uidl_listing(longest));
  EXPECT_TRUE(parse_uidl_listing("2 !"));
}

TEST(UidlListing, Invalid) {
  const std::vector<std::string> lines = {
      "",
      "1",
      "1 ",
      "0 abc",
      "x abc",
      "1 abc def",                   // a space inside the unique-id
      "1 abc ",                      // trailing space
      std::string("1 ab\x01", 5),    // control character
      std::string("1 ab\0c", 6),     // NUL
      "1 ab\x7f",                    // DEL
      "1 \xc3\xa4",                  // 8-bit
      "1 " + std::string(256, 'a'),  // one over our limit
      "1 " + std::string(300, 'a'),
      "4294967296 abc",
  };
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    const Parsed<UidlListing> parsed = parse_uidl_listing(line);
    EXPECT_FALSE(parsed);
    EXPECT_FALSE(parsed.error.empty());
  }
}

TEST(DropListing, StatReply) {
  const Parsed<DropListing> parsed = parse_drop_listing("2 320");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value->count, 2u);
  EXPECT_EQ(parsed.value->size, 320u);
  EXPECT_TRUE(parse_drop_listing("0 0"));  // an empty maildrop
  EXPECT_FALSE(parse_drop_listing("two 320"));
}

}  // namespace
}  // namespace pop3
