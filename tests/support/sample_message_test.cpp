#include "support/sample_message.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "support/maildir_message.hpp"

namespace {

using test_support::make_message;
using test_support::MessageOptions;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

std::string header_block(const std::string& message) {
  return message.substr(0, message.find("\r\n\r\n") + 2);
}

bool has_eight_bit(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

TEST(SampleMessage, IsDeterministicPerSeed) {
  EXPECT_EQ(make_message(42, 2000), make_message(42, 2000));
  EXPECT_NE(make_message(42, 2000), make_message(43, 2000));
}

TEST(SampleMessage, HasTheRfc5322HeadersAndCrlfLineEnds) {
  const std::string message = make_message(5, 1000);
  const std::string headers = header_block(message);
  for (const char* name : {"From: ", "To: ", "Subject: ", "Date: ", "Message-ID: <", "MIME-Version: 1.0"}) {
    EXPECT_THAT(headers, HasSubstr(name));
  }
  const auto date = headers.find("Date: ");
  ASSERT_NE(date, std::string::npos);
  EXPECT_THAT(headers.substr(date, headers.find("\r\n", date) - date),
              MatchesRegex("Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} [A-Z][a-z]{2} "
                           "20[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000"));
  // Every LF is part of a CRLF and the message ends with one.
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "at " << i;
    }
  }
  EXPECT_EQ(message.substr(message.size() - 2), "\r\n");
  EXPECT_EQ(test_support::expected_pop3_bytes(message), message);
}

TEST(SampleMessage, SizeIsNearTheTarget) {
  for (std::size_t target : {2000U, 10'000U, 100'000U}) {
    const std::string message = make_message(9, target);
    EXPECT_GE(message.size(), target);
    EXPECT_LT(message.size(), target + 100);
  }
}

TEST(SampleMessage, SevenBitByDefaultEightBitOnRequest) {
  const std::string plain = make_message(11, 3000);
  EXPECT_FALSE(has_eight_bit(plain));
  EXPECT_THAT(plain, HasSubstr("Content-Transfer-Encoding: 7bit"));
  const std::string eight = make_message(11, 3000, {.eight_bit = true});
  EXPECT_TRUE(has_eight_bit(eight.substr(eight.find("\r\n\r\n"))));
  EXPECT_FALSE(has_eight_bit(header_block(eight)));  // headers stay ASCII (RFC 2047)
  EXPECT_THAT(eight, HasSubstr("Content-Transfer-Encoding: 8bit"));
}

TEST(SampleMessage, DotLinesOnRequest) {
  const std::string dots = make_message(12, 500, {.dot_lines = true});
  EXPECT_THAT(dots, HasSubstr("\r\n.\r\n"));
  EXPECT_THAT(dots, HasSubstr("\r\n..\r\n"));
  EXPECT_THAT(make_message(12, 500), Not(HasSubstr("\r\n.")));
}

TEST(SampleMessage, SomeSubjectsAreEncodedWords) {
  int encoded = 0;
  for (std::uint64_t seed = 0; seed < 64; ++seed) {
    if (header_block(make_message(seed, 300)).find("Subject: =?UTF-8?B?") != std::string::npos) ++encoded;
  }
  EXPECT_GT(encoded, 0);
  EXPECT_LT(encoded, 64);
}

TEST(SampleMessage, LfOptionGivesMaildirForm) {
  const std::string crlf = make_message(3, 800);
  const std::string lf = make_message(3, 800, {.crlf = false});
  EXPECT_EQ(lf.find('\r'), std::string::npos);
  EXPECT_EQ(test_support::to_maildir_form(crlf).substr(0, 200), lf.substr(0, 200));
}

}  // namespace
