#include "mail/headers.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mail/charset.hpp"

namespace {

TEST(HeaderBlock, EndsAtTheFirstEmptyLine) {
  EXPECT_EQ(mail::header_block("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore"), "A: 1\r\nB: 2\r\n");
  EXPECT_EQ(mail::body_offset("A: 1\r\nB: 2\r\n\r\nbody"), 14u);
  EXPECT_EQ(mail::header_block("A: 1\nB: 2\n\nbody"), "A: 1\nB: 2\n");  // bare LF
  EXPECT_EQ(mail::header_block("\r\nbody"), "");
  EXPECT_EQ(mail::body_offset("\r\nbody"), 2u);
}

TEST(HeaderBlock, WithoutAnEmptyLineIsTheWholeMessage) {
  EXPECT_EQ(mail::header_block("A: 1\r\nB: 2"), "A: 1\r\nB: 2");
  EXPECT_EQ(mail::body_offset("A: 1\r\nB: 2"), 10u);
  EXPECT_EQ(mail::header_block(""), "");
}

TEST(HeaderBlock, IsBounded) {
  const std::string huge = "X-Long: " + std::string(mail::kMaxHeaderBlock * 2, 'a') + "\r\n\r\nbody";
  EXPECT_EQ(mail::header_block(huge).size(), mail::kMaxHeaderBlock);
  EXPECT_EQ(mail::body_offset(huge), huge.size());  // the blank line is past the bound: no body
}

TEST(SplitHeaderFields, UnfoldsContinuationLines) {
  const auto fields = mail::split_header_fields(
      "Subject: This is a\r\n test\r\n\tof folding\r\nTo: a@example.com,\r\n  b@example.com\r\n");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].name, "Subject");
  EXPECT_EQ(fields[0].value, " This is a test\tof folding");
  EXPECT_EQ(fields[1].name, "To");
  EXPECT_EQ(fields[1].value, " a@example.com,  b@example.com");
}

TEST(SplitHeaderFields, SkipsLinesThatAreNotFields) {
  const auto fields = mail::split_header_fields(
      " orphan continuation\r\nFrom someone@example.com Mon Jan 1 00:00:00 2024\r\nno colon here\r\n"
      "  continuation of garbage\r\nBad Name: x\r\n: empty name\r\nSubject : obsolete space\r\n");
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].name, "Subject");
  EXPECT_EQ(fields[0].value, " obsolete space");
}

TEST(SplitHeaderFields, FindFieldIsCaseInsensitiveAndTakesTheFirst) {
  const auto fields = mail::split_header_fields("subject: one\r\nSUBJECT: two\r\n");
  EXPECT_EQ(mail::find_field(fields, "Subject"), " one");
  EXPECT_EQ(mail::find_field(fields, "From"), std::nullopt);
}

TEST(ParseHeaders, ExtractsAndDecodesTheListedFields) {
  const std::string raw =
      "Return-Path: <x@example.com>\r\n"
      "Message-ID:\r\n <1234@local.machine.example>\r\n"
      "From: =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=\r\n <keld@dkuug.dk>\r\n"
      "To: Mary Smith <mary@example.net>,\r\n\tJohn <john@example.org>\r\n"
      "Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus\r\n =?UTF-8?Q?M=C3=BCnchen?=\r\n"
      "Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n"
      "\r\n"
      "Subject: not a header, this is the body\r\n";
  const auto h = mail::parse_headers(raw);
  EXPECT_EQ(h.message_id, "<1234@local.machine.example>");
  EXPECT_EQ(h.from, "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>");
  EXPECT_EQ(h.to, "Mary Smith <mary@example.net>, John <john@example.org>");
  EXPECT_EQ(h.subject,
            "Gr\xc3\xbc\xc3\x9f"
            "e aus M\xc3\xbcnchen");
  EXPECT_EQ(h.date, 880127706);
}

TEST(ParseHeaders, MissingFieldsAreNullopt) {
  const auto h = mail::parse_headers("X-Other: 1\r\n\r\nFrom: body@example.com\r\n");
  EXPECT_EQ(h.message_id, std::nullopt);
  EXPECT_EQ(h.from, std::nullopt);
  EXPECT_EQ(h.to, std::nullopt);
  EXPECT_EQ(h.subject, std::nullopt);
  EXPECT_EQ(h.date, std::nullopt);
}

TEST(ParseHeaders, EmptyAndInvalidValues) {
  const auto h = mail::parse_headers("Subject:   \r\nDate: someday\r\nMessage-ID: no-brackets\r\n\r\n");
  EXPECT_EQ(h.subject, std::nullopt);
  EXPECT_EQ(h.date, std::nullopt);
  EXPECT_EQ(h.message_id, "no-brackets");
}

TEST(ParseHeaders, HeaderBlockWithoutBlankLine) {
  const auto h = mail::parse_headers("From: a@example.com\r\nSubject: only headers");
  EXPECT_EQ(h.from, "a@example.com");
  EXPECT_EQ(h.subject, "only headers");
}

TEST(ParseHeaders, ControlCharactersAndRawBytesAreTidied) {
  static constexpr char kRaw[] =
      "Subject: a\0b\x01\x7f"
      "c  \t d caf\xe9\r\n\r\n";
  const auto h = mail::parse_headers(std::string(kRaw, sizeof kRaw - 1));
  EXPECT_EQ(h.subject, "a b c d caf\xc3\xa9");
}

TEST(ParseHeaders, LongValuesAreCutOnACharacterBoundary) {
  std::string subject;
  for (std::size_t i = 0; i < mail::kMaxFieldLength; ++i) subject += "\xc3\xa9";  // 2 bytes each
  const auto h = mail::parse_headers("Subject: x" + subject + "\r\n\r\n");
  ASSERT_TRUE(h.subject.has_value());
  EXPECT_LE(h.subject->size(), mail::kMaxFieldLength);
  EXPECT_GE(h.subject->size(), mail::kMaxFieldLength - 2);
  EXPECT_TRUE(mail::is_valid_utf8(*h.subject));
}

TEST(ParseHeaders, BinaryGarbageNeverCrashes) {
  // Deterministic pseudo-random bytes, with plenty of ':', '=', '?', CR and LF.
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return static_cast<unsigned char>(state >> 16);
  };
  const std::string alphabet = ":=?\r\n \tBQbq_Subject From Date=?utf-8?B?";
  for (int round = 0; round < 300; ++round) {
    std::string raw;
    const int length = next() * 8;
    for (int i = 0; i < length; ++i) {
      const unsigned char r = next();
      raw += (r & 1) ? static_cast<char>(next()) : alphabet[r % alphabet.size()];
    }
    const auto h = mail::parse_headers(raw);
    for (const auto* field : {&h.from, &h.to, &h.subject, &h.message_id}) {
      if (field->has_value()) {
        EXPECT_TRUE(mail::is_valid_utf8(**field));
      }
    }
  }
}

TEST(TidyField, CollapsesAndTrims) {
  EXPECT_EQ(mail::tidy_field("  a \r\n\t b  "), "a b");
  EXPECT_EQ(mail::tidy_field(""), "");
  EXPECT_EQ(mail::tidy_field("abcdef", 3), "abc");
  EXPECT_EQ(mail::tidy_field("ab\xc3\xa9", 3), "ab");
}

}  // namespace
