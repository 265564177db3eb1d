#include "deliver/line_ends.hpp"

#include <gtest/gtest.h>

#include "deliver/mboxrd.hpp"

namespace {

TEST(LineEnds, CrlfBecomesLfAndALoneCrStays) {
  EXPECT_EQ(deliver::crlf_to_lf("a\r\nb\rc\n\r\n"), "a\nb\rc\n\n");
  EXPECT_EQ(deliver::crlf_to_lf("\r"), "\r");
  EXPECT_EQ(deliver::crlf_to_lf(""), "");
}

TEST(Mboxrd, EntryQuotesFromLines) {
  EXPECT_EQ(deliver::mboxrd_entry("Alice <alice@example.com>", 1704067200,
                                  "Subject: s\r\n\r\nFrom me\r\n>From you\r\n>>From them\r\nFromage\r\n"),
            "From alice@example.com Mon Jan  1 00:00:00 2024\n"
            "Subject: s\n\n>From me\n>>From you\n>>>From them\nFromage\n\n");
  EXPECT_EQ(deliver::mboxrd_entry("no address here", 1704067200, "x"),
            "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nx\n\n");
}

TEST(Mboxrd, EntryOfAMessageTakesTheSenderFromItsFromHeader) {
  deliver::Message message;
  message.fetched_at = 1704067260;
  message.raw = "From: =?utf-8?q?Bj=C3=B6rn?= <bjorn@example.org>\r\nSubject: x\r\n\r\nbody\r\n";
  EXPECT_EQ(deliver::mboxrd_entry(message),
            "From bjorn@example.org Mon Jan  1 00:01:00 2024\n"
            "From: =?utf-8?q?Bj=C3=B6rn?= <bjorn@example.org>\nSubject: x\n\nbody\n\n");
  message.raw = "Subject: no sender\r\n\r\nbody\r\n";
  EXPECT_EQ(deliver::mboxrd_entry(message).substr(0, 19), "From MAILER-DAEMON ");
}

}  // namespace
