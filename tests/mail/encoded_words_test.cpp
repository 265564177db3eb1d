#include <gtest/gtest.h>

#include <string>

#include "mail/charset.hpp"
#include "mail/headers.hpp"

namespace {

struct WordCase {
  const char* input;
  const char* expected;
};

class EncodedWords : public ::testing::TestWithParam<WordCase> {};

TEST_P(EncodedWords, Table) {
  const auto& c = GetParam();
  EXPECT_EQ(mail::decode_encoded_words(c.input), c.expected) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc2047, EncodedWords,
    ::testing::Values(
        WordCase{"plain text", "plain text"},
        // RFC 2047 §8 examples
        WordCase{"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
                 "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>"},
        WordCase{"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"},
        WordCase{"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
        WordCase{"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
        WordCase{"(=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=)", "(ab)"},
        WordCase{"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
        WordCase{"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
        // B encoding, with and without padding, lower-case encoding letter
        WordCase{"=?UTF-8?B?R3LDvMOfZQ==?=",
                 "Gr\xc3\xbc\xc3\x9f"
                 "e"},
        WordCase{"=?utf-8?b?R3LDvMOfZQ?=",
                 "Gr\xc3\xbc\xc3\x9f"
                 "e"},
        WordCase{"Re: =?utf-8?B?w6Q=?= und mehr", "Re: \xc3\xa4 und mehr"},
        // a multi-byte character split across two words (common, if illegal)
        WordCase{"=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "\xe2\x82\xac"},
        // language suffix (RFC 2231)
        WordCase{"=?US-ASCII*EN?Q?Keith?=", "Keith"},
        // other charsets through iconv
        WordCase{"=?KOI8-R?B?0NLJ18XU?=", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
        WordCase{"=?windows-1252?Q?=80?=", "\xe2\x82\xac"},
        // broken words stay as written
        WordCase{"=?UTF-8?B?not base64!?=", "=?UTF-8?B?not base64!?="},
        WordCase{"=?UTF-8?B?QUJD*?=", "=?UTF-8?B?QUJD*?="}, WordCase{"=?UTF-8?B?QQ=A?=", "=?UTF-8?B?QQ=A?="},
        WordCase{"=?UTF-8?B?Q?=", "=?UTF-8?B?Q?="},
        WordCase{"=?UTF-8?Q?bad=ZZhex?=", "=?UTF-8?Q?bad=ZZhex?="},
        WordCase{"=?UTF-8?Q?trailing=?=", "=?UTF-8?Q?trailing=?="},
        WordCase{"=?UTF-8?X?unknown?=", "=?UTF-8?X?unknown?="},
        WordCase{"=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated"},
        WordCase{"=?UTF-8?Q?has space?=", "=?UTF-8?Q?has space?="},
        WordCase{"=??Q?nocharset?=", "=??Q?nocharset?="}, WordCase{"=?", "=?"},
        WordCase{"=?UTF-8?", "=?UTF-8?"}, WordCase{"=?UTF-8?Q", "=?UTF-8?Q"},
        WordCase{"=?UTF-8?Q?", "=?UTF-8?Q?"},
        WordCase{"=?x-unknown-charset?Q?abc?=", "=?x-unknown-charset?Q?abc?="},
        // a broken word between two good ones keeps its surrounding spaces
        WordCase{"=?UTF-8?Q?a?= =?UTF-8?Q?=ZZ?= =?UTF-8?Q?b?=", "a =?UTF-8?Q?=ZZ?= b"},
        // raw 8-bit text outside words becomes valid UTF-8 (read as Latin-1)
        WordCase{"caf\xe9 =?UTF-8?Q?ok?=", "caf\xc3\xa9 ok"}, WordCase{"caf\xc3\xa9", "caf\xc3\xa9"}));

TEST(EncodedWords, SurvivesHostileInput) {
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "=?UTF-8?Q?a?= ";
  EXPECT_EQ(mail::decode_encoded_words(many), std::string(10000, 'a') + " ");
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  EXPECT_TRUE(mail::is_valid_utf8(mail::decode_encoded_words("=?" + binary + "?=" + binary)));
}

}  // namespace
