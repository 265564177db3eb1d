#include "mail/body_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mail/charset.hpp"

namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(BodyText, PlainMessage) {
  EXPECT_EQ(mail::body_text("Subject: x\r\n\r\nHello world\r\n"), "Hello world\r\n\n");
}

TEST(BodyText, NoBodyNoText) { EXPECT_EQ(mail::body_text("Subject: only headers"), ""); }

TEST(BodyText, DecodesQuotedPrintableAndCharset) {
  const std::string raw =
      "Content-Type: text/plain; charset=\"iso-8859-1\"\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Gr=FC=DFe aus einer sehr langen Zeile, die umbrochen =\r\nwurde. a=3Db =ZZ\r\n";
  const std::string text = mail::body_text(raw);
  EXPECT_TRUE(contains(text,
                       "Gr\xc3\xbc\xc3\x9f"
                       "e aus"))
      << text;
  EXPECT_TRUE(contains(text, "umbrochen wurde.")) << text;
  EXPECT_TRUE(contains(text, "a=b =ZZ")) << text;
}

TEST(BodyText, MultipartAlternativePrefersPlainAndSkipsAttachments) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "preamble is ignored\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=\"in ner\"\r\n\r\n"
      "--in ner\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "cGxhaW4gdmVyc2lvbiDDpA==\r\n"
      "--in ner\r\n"
      "Content-Type: text/html\r\n\r\n"
      "<p>html version</p>\r\n"
      "--in ner--\r\n"
      "--outer\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Disposition: attachment; filename=log.txt\r\n\r\n"
      "attached log\r\n"
      "--outer\r\n"
      "Content-Type: application/pdf\r\n\r\n"
      "%PDF binary\r\n"
      "--outer--\r\n"
      "epilogue is ignored\r\n";
  const std::string text = mail::body_text(raw);
  EXPECT_TRUE(contains(text, "plain version \xc3\xa4")) << text;
  EXPECT_FALSE(contains(text, "html version")) << text;
  EXPECT_FALSE(contains(text, "attached log")) << text;
  EXPECT_FALSE(contains(text, "PDF")) << text;
  EXPECT_FALSE(contains(text, "preamble")) << text;
  EXPECT_FALSE(contains(text, "epilogue")) << text;
}

TEST(BodyText, HtmlOnlyIsStrippedOfTags) {
  const std::string raw =
      "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><b>Bold</b> words</body></html>";
  const std::string text = mail::body_text(raw);
  EXPECT_TRUE(contains(text, "Bold")) << text;
  EXPECT_TRUE(contains(text, "words")) << text;
  EXPECT_FALSE(contains(text, "<b>")) << text;
}

TEST(BodyText, IsBoundedAndValidUtf8) {
  const std::string raw = "Subject: big\r\n\r\n" + std::string(200000, 'a') + "\xff\xfe";
  const std::string text = mail::body_text(raw, 1000);
  EXPECT_EQ(text.size(), 1000u);
  EXPECT_TRUE(mail::is_valid_utf8(mail::body_text("\r\n\xff\xfe\xc3")));
}

TEST(BodyText, DeepNestingIsNotFollowedForever) {
  std::string raw;
  for (int i = 0; i < 1000; ++i) {
    raw += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
           std::to_string(i) + "\r\n";
  }
  raw += "Content-Type: text/plain\r\n\r\ndeep text\r\n";
  EXPECT_FALSE(contains(mail::body_text(raw), "deep text"));
}

TEST(BodyText, UnterminatedMultipartStillIndexesItsParts) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\ncut short";
  EXPECT_TRUE(contains(mail::body_text(raw), "cut short"));
}

TEST(BodyText, ForwardedMessagesAreIndexed) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
      "Subject: inner\r\n\r\ninner body\r\n--b--\r\n";
  EXPECT_TRUE(contains(mail::body_text(raw), "inner body"));
}

}  // namespace

namespace {

TEST(BodyText, BinaryGarbageNeverCrashes) {
  // Deterministic pseudo-random MIME-ish input: headers, boundaries, encodings.
  std::uint32_t state = 987654321;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 16;
  };
  const char* pieces[] = {"Content-Type: multipart/mixed; boundary=b\r\n",
                          "Content-Type: text/plain; charset=koi8-r\r\n",
                          "Content-Type: text/html; charset=\"utf-8\r\n",
                          "Content-Transfer-Encoding: base64\r\n",
                          "Content-Transfer-Encoding: quoted-printable\r\n",
                          "Content-Type: message/rfc822\r\n",
                          "Content-Type: multipart/alternative; boundary=\"\"\r\n",
                          "\r\n",
                          "--b\r\n",
                          "--b--\r\n",
                          "=C3=\r\n",
                          "=",
                          "<a href=",
                          "QUJD\r\n"};
  for (int round = 0; round < 500; ++round) {
    std::string raw;
    const unsigned count = next() % 40;
    for (unsigned i = 0; i < count; ++i) {
      if (next() % 4 == 0) {
        raw += static_cast<char>(next() & 0xff);
      } else {
        raw += pieces[next() % (sizeof pieces / sizeof pieces[0])];
      }
    }
    const std::string text = mail::body_text(raw, 4096);
    EXPECT_LE(text.size(), 4096u);
    EXPECT_TRUE(mail::is_valid_utf8(text)) << round;
  }
}

}  // namespace
