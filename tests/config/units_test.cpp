// parse_duration / parse_size: the accepted forms and the edge cases rejected.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "config/config.hpp"

namespace {

using std::chrono::seconds;

TEST(ParseDuration, AcceptsEachUnitAndPlainSeconds) {
  EXPECT_EQ(config::parse_duration("30s"), seconds(30));
  EXPECT_EQ(config::parse_duration("5m"), seconds(300));
  EXPECT_EQ(config::parse_duration("2h"), seconds(7200));
  EXPECT_EQ(config::parse_duration("30d"), seconds(30 * 86400));
  EXPECT_EQ(config::parse_duration("45"), seconds(45));
  EXPECT_EQ(config::parse_duration("0"), seconds(0));
  EXPECT_EQ(config::parse_duration("0s"), seconds(0));
  EXPECT_EQ(config::parse_duration("007m"), seconds(420));
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* text : {"",     "s",    "m5",  "5 m", " 5m", "5m ", "5M",   "5S",    "5H",   "5D", "5ms",
                           "5min", "1.5h", "1e3", "-5",  "-5s", "+5",  "0x10", "5m30s", "five", "5w"}) {
    EXPECT_EQ(config::parse_duration(text), std::nullopt) << text;
  }
}

TEST(ParseDuration, RejectsHugeValuesAndOverflow) {
  EXPECT_EQ(config::parse_duration("36500d"), config::kMaxDuration);
  EXPECT_EQ(config::parse_duration("36501d"), std::nullopt);
  EXPECT_EQ(config::parse_duration(std::to_string(config::kMaxDuration.count() + 1)), std::nullopt);
  EXPECT_EQ(config::parse_duration("18446744073709551615"), std::nullopt);
  EXPECT_EQ(config::parse_duration("18446744073709551616"), std::nullopt);
  EXPECT_EQ(config::parse_duration("99999999999999999999999999d"), std::nullopt);
  EXPECT_EQ(config::parse_duration("3074457345618258603d"), std::nullopt);  // multiplies past 2^64
}

TEST(ParseSize, AcceptsBytesAndEverySuffix) {
  EXPECT_EQ(config::parse_size("0"), 0u);
  EXPECT_EQ(config::parse_size("1000"), 1000u);
  EXPECT_EQ(config::parse_size("10B"), 10u);
  EXPECT_EQ(config::parse_size("512KB"), 512'000u);
  EXPECT_EQ(config::parse_size("50MB"), 50'000'000u);
  EXPECT_EQ(config::parse_size("1GB"), 1'000'000'000u);
  EXPECT_EQ(config::parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(config::parse_size("200MiB"), 200u * 1024 * 1024);
  EXPECT_EQ(config::parse_size("2GiB"), 2ull * 1024 * 1024 * 1024);
}

TEST(ParseSize, SuffixIsCaseInsensitive) {
  EXPECT_EQ(config::parse_size("50mb"), 50'000'000u);
  EXPECT_EQ(config::parse_size("50Mb"), 50'000'000u);
  EXPECT_EQ(config::parse_size("1kib"), 1024u);
  EXPECT_EQ(config::parse_size("1KIB"), 1024u);
  EXPECT_EQ(config::parse_size("7b"), 7u);
}

TEST(ParseSize, RejectsMalformedText) {
  // "5M" is a duration typo as much as a size one: sizes need the full suffix.
  for (const char* text : {"", "B", "MB", "5M", "5K", "5G", "5 MB", " 5MB", "5MB ", "1.5MB", "-1", "-1MB",
                           "+1", "0x10", "5TB", "5MiBs", "fifty"}) {
    EXPECT_EQ(config::parse_size(text), std::nullopt) << text;
  }
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_EQ(config::parse_size("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(config::parse_size("18446744073709551616"), std::nullopt);
  EXPECT_EQ(config::parse_size("18446744073709551615KB"), std::nullopt);
  EXPECT_EQ(config::parse_size("17179869184GiB"), std::nullopt);  // exactly 2^64
  EXPECT_EQ(config::parse_size("17179869183GiB"), 17179869183ull * 1024 * 1024 * 1024);
}

TEST(DurationAndSize, SameTextMeansDifferentThings) {
  // "5m" is five minutes as a duration but no size (a lone "m" is not a size
  // suffix); "5M" is neither; "5MB" is only a size.
  EXPECT_EQ(config::parse_duration("5m"), seconds(300));
  EXPECT_EQ(config::parse_size("5m"), std::nullopt);
  EXPECT_EQ(config::parse_duration("5M"), std::nullopt);
  EXPECT_EQ(config::parse_size("5M"), std::nullopt);
  EXPECT_EQ(config::parse_duration("5MB"), std::nullopt);
  EXPECT_EQ(config::parse_size("5MB"), 5'000'000u);
  EXPECT_EQ(config::parse_duration("5"), seconds(5));
  EXPECT_EQ(config::parse_size("5"), 5u);
}

}  // namespace
