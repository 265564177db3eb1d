#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "mail/headers.hpp"

namespace {

struct DateCase {
  const char* text;
  std::optional<std::int64_t> expected;
};

class ParseDate : public ::testing::TestWithParam<DateCase> {};

TEST_P(ParseDate, Table) {
  const auto& c = GetParam();
  EXPECT_EQ(mail::parse_date(c.text), c.expected) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5322, ParseDate,
    ::testing::Values(
        // RFC 5322 appendix A.1.1 and friends
        DateCase{"Fri, 21 Nov 1997 09:55:06 -0600", 880127706},
        DateCase{"21 Nov 1997 09:55:06 -0600", 880127706},  // no day of week
        DateCase{"Fri, 21 Nov 1997 15:55:06 +0000", 880127706},
        DateCase{"Fri, 21 Nov 1997 16:25:06 +0030", 880127706},  // half-hour zone
        DateCase{"  Fri,  21   Nov  1997  09:55:06  -0600  ", 880127706},
        DateCase{"Thu, 29 Feb 2024 12:00:00 +0000", 1709208000},  // leap day
        DateCase{"Thu, 1 Jan 1970 00:00:00 +0000", 0},
        DateCase{"1 Jan 2024 00:00 +0000", 1704067200},           // no seconds
        DateCase{"Sat, 31 Dec 2016 23:59:60 +0000", 1483228800},  // leap second
        // obsolete forms (RFC 5322 §4.3)
        DateCase{"Tue, 1 Jul 2003 10:52:37 GMT", 1057056757},
        DateCase{"Tue, 1 Jul 2003 10:52:37 UT", 1057056757},
        DateCase{"Mon, 1 Jan 2024 00:00:00 EST", 1704085200},
        DateCase{"Mon, 1 Jan 2024 00:00:00 PST", 1704096000},
        DateCase{"Mon, 1 Jan 2024 00:00:00 Z", 1704067200},     // military: -0000
        DateCase{"Mon, 1 Jan 2024 00:00:00 CEST", 1704067200},  // unknown name: -0000
        DateCase{"31 Dec 99 23:59 +0000", 946684740},           // two-digit year, 19xx
        DateCase{"1 Jan 49 00:00:00 +0000", 2493072000},        // two-digit year, 20xx
        DateCase{"1 Jan 50 00:00:00 +0000", -631152000},
        DateCase{"4 Mar 003 00:00:00 +0000", -2109024000},  // three-digit year
        DateCase{"Tue, 1 Jul 2003 10:52:37 +0000 (Coordinated Universal Time)", 1057056757},
        DateCase{"Tue (a comment), 1 Jul 2003 10 : 52 : 37 +0000", 1057056757},
        DateCase{"Tue, 1 July 2003 10:52:37 +0000", 1057056757},  // full month name
        DateCase{"Tue, 1 Jul 2003 10:52:37", 1057056757},         // no zone: read as UTC
        DateCase{"tue, 01 jul 2003 10:52:37 gmt", 1057056757},    // case
        // invalid
        DateCase{"", std::nullopt}, DateCase{"yesterday", std::nullopt},
        DateCase{"2024-01-01T00:00:00Z", std::nullopt},
        DateCase{"Fri, 30 Feb 2024 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 29 Feb 2023 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 32 Jan 2024 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 0 Jan 2024 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Foo 2024 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 24:00:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 23:60:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 23:00:61 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 23:00:00 +01", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 23:00:00 +0160", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 23:00:00 ?", std::nullopt},
        DateCase{"Fri, 1 Jan 20245 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 1 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 1899 00:00:00 +0000", std::nullopt}, DateCase{"Fri, 1 Jan 2024", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 12", std::nullopt},
        DateCase{"Funday, 1 Jan 2024 00:00:00 +0000", std::nullopt},
        DateCase{"Fri, 1 Jan 2024 00:00:00 +0000 (unterminated comment", 1704067200}));

TEST(ParseDate, SurvivesHostileInput) {
  EXPECT_EQ(mail::parse_date(std::string(100000, '(')), std::nullopt);
  EXPECT_EQ(mail::parse_date(std::string(500, '9')), std::nullopt);
  EXPECT_EQ(mail::parse_date(std::string("1 Jan 2024 00:00:00 +\0", 22)), std::nullopt);
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  EXPECT_EQ(mail::parse_date(binary), std::nullopt);
}

}  // namespace
