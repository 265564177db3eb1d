#include "mail/mbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

// Feeds `text` line by line, as `popfetchd import` reads a file.
std::vector<std::string> split(std::string_view text, std::size_t* dropped = nullptr) {
  mail::MboxSplitter splitter;
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto message = splitter.add_line(text.substr(start, end - start))) out.push_back(*message);
    start = end + 1;
  }
  if (auto message = splitter.finish()) out.push_back(*message);
  if (dropped != nullptr) *dropped = splitter.dropped_lines();
  return out;
}

TEST(ToCrlf, LfAndCrlfBecomeCrlfAndLoneCrStays) {
  EXPECT_EQ(mail::to_crlf(""), "");
  EXPECT_EQ(mail::to_crlf("a\nb\n"), "a\r\nb\r\n");
  EXPECT_EQ(mail::to_crlf("a\r\nb\r\n"), "a\r\nb\r\n");
  EXPECT_EQ(mail::to_crlf("a\rb\n"), "a\rb\r\n");
  EXPECT_EQ(mail::to_crlf("no end"), "no end\r\n");
  EXPECT_EQ(mail::to_crlf("\n\n"), "\r\n\r\n");
}

TEST(UnquoteFromLine, RemovesOneQuoteFromQuotedFromLinesOnly) {
  EXPECT_EQ(mail::unquote_from_line(">From me"), "From me");
  EXPECT_EQ(mail::unquote_from_line(">>From me"), ">From me");
  EXPECT_EQ(mail::unquote_from_line("> From me"), "> From me");
  EXPECT_EQ(mail::unquote_from_line(">Fromage"), ">Fromage");
  EXPECT_EQ(mail::unquote_from_line("From me"), "From me");
  EXPECT_EQ(mail::unquote_from_line(">"), ">");
}

TEST(MboxSplitter, SplitsAtFromLinesAndDropsTheSeparatorsEmptyLine) {
  const auto messages = split(
      "From alice@example.org Mon Jan  1 00:00:00 2024\n"
      "Subject: one\n\nbody one\n\n"
      "From bob@example.org Tue Jan  2 00:00:00 2024\n"
      "Subject: two\n\nbody two\n\n\n");
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_EQ(messages[0], "Subject: one\r\n\r\nbody one\r\n");
  // Only one empty line belongs to the format; the other was the body's.
  EXPECT_EQ(messages[1], "Subject: two\r\n\r\nbody two\r\n\r\n");
}

TEST(MboxSplitter, UnquotesMboxrdAndMboxoBodies) {
  const auto messages = split(
      "From x Mon Jan  1 00:00:00 2024\n"
      "Subject: q\n\n>From the start\n>>From quoted\n> From not\n");
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0], "Subject: q\r\n\r\nFrom the start\r\n>From quoted\r\n> From not\r\n");
}

TEST(MboxSplitter, CrlfFileAndMissingFinalNewline) {
  const auto messages = split("From x Mon Jan  1 00:00:00 2024\r\nSubject: c\r\n\r\nlast line");
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0], "Subject: c\r\n\r\nlast line\r\n");
}

TEST(MboxSplitter, TextBeforeTheFirstSeparatorIsNotAMessage) {
  std::size_t dropped = 0;
  EXPECT_TRUE(split("Subject: not an mbox\n\nhello\n", &dropped).empty());
  EXPECT_EQ(dropped, 3U);
  EXPECT_TRUE(split("").empty());
  const auto empty_message = split("From x Mon Jan  1 00:00:00 2024\n", &dropped);
  ASSERT_EQ(empty_message.size(), 1U);
  EXPECT_EQ(empty_message[0], "");
  EXPECT_EQ(dropped, 0U);
}

}  // namespace
