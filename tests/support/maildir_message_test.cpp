// The model of what Dovecot does to a delivered message (maildir_message.hpp).
// The integration smoke test checks the same cases against a real Dovecot.

#include "support/maildir_message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace std::string_literals;
using test_support::expected_pop3_bytes;
using test_support::maildir_file_name;
using test_support::pop3_list_size;
using test_support::to_maildir_form;

TEST(MaildirMessage, StoresCrlfAsLf) {
  EXPECT_EQ(to_maildir_form("a\r\nb\r\n"), "a\nb\n");
  EXPECT_EQ(to_maildir_form("a\nb\n"), "a\nb\n");
  EXPECT_EQ(to_maildir_form("bare\rcr\r\n"), "bare\rcr\n");
  EXPECT_EQ(to_maildir_form("ab\r\r\n"), "ab\r\n");
  EXPECT_EQ(to_maildir_form("ends in cr\r"), "ends in cr\r");
}

TEST(MaildirMessage, ListSizeCountsEveryLoneLfAsTwoBytes) {
  EXPECT_EQ(pop3_list_size(""), 0U);
  EXPECT_EQ(pop3_list_size("a\nb\n"), 6U);
  EXPECT_EQ(pop3_list_size("a\r\nb"), 4U);
  EXPECT_EQ(pop3_list_size("\n"), 2U);
  EXPECT_EQ(pop3_list_size("no newline"), 10U);
}

TEST(MaildirMessage, CrlfMessageEndingInCrlfComesBackUnchanged) {
  const std::string raw = "Subject: x\r\n\r\nbody\r\n.dot\r\n";
  EXPECT_EQ(expected_pop3_bytes(raw), raw);
}

TEST(MaildirMessage, LfBecomesCrlf) {
  EXPECT_EQ(expected_pop3_bytes("Subject: x\n\nbody\n"), "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(expected_pop3_bytes("a\r\nb\nc\n"), "a\r\nb\r\nc\r\n");
}

TEST(MaildirMessage, MissingFinalLineEndIsAddedButNotInTheListSize) {
  EXPECT_EQ(expected_pop3_bytes("Subject: x\r\n\r\nlast"), "Subject: x\r\n\r\nlast\r\n");
  EXPECT_EQ(pop3_list_size(to_maildir_form("Subject: x\r\n\r\nlast")), 18U);
  EXPECT_EQ(expected_pop3_bytes(""), "\r\n");
  EXPECT_EQ(expected_pop3_bytes("ends in cr\r"), "ends in cr\r\r\n");
  EXPECT_EQ(expected_pop3_bytes("."), ".\r\n");
}

TEST(MaildirMessage, BareCrNulAndEightBitBytesPassUnchanged) {
  EXPECT_EQ(expected_pop3_bytes("a\rb\r\n"), "a\rb\r\n");
  EXPECT_EQ(expected_pop3_bytes("x\0y\r\n\0"s), "x\0y\r\n\0\r\n"s);
  EXPECT_EQ(expected_pop3_bytes("\xff\xfe\x80\r\n"), "\xff\xfe\x80\r\n");
}

TEST(MaildirMessage, CrBeforeCrlfCollapsesBecauseTheStoredFormHasOneCrLeft) {
  // Stored "ab\r\n" (the CRLF became LF), served as-is: the second CR is gone.
  EXPECT_EQ(expected_pop3_bytes("ab\r\r\n"), "ab\r\n");
}

TEST(MaildirMessage, FileNameCarriesStoredAndListSize) {
  EXPECT_EQ(maildir_file_name("123.M1P2.host", "a\nbc\n"), "123.M1P2.host,S=5,W=7");
}

}  // namespace
