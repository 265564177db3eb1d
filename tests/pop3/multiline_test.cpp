#include "pop3/multiline.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "splits.hpp"

namespace pop3 {
namespace {

using namespace std::string_literals;
using testing::all_splits;

TEST(UnstuffLine, Rules) {
  EXPECT_TRUE(unstuff_line(".").terminator);
  EXPECT_FALSE(unstuff_line("..").terminator);
  EXPECT_EQ(unstuff_line("..").content, ".");
  EXPECT_EQ(unstuff_line("...").content, "..");
  EXPECT_EQ(unstuff_line(".x").content, "x");  // RFC 1939 §3: any leading "." is stuffing
  EXPECT_EQ(unstuff_line("x.").content, "x.");
  EXPECT_EQ(unstuff_line("").content, "");
  EXPECT_FALSE(unstuff_line("").terminator);
}

struct Decoded {
  std::string body;
  bool finished = false;
  int failures = 0;
  std::string rest;  // input after the terminator
};

Decoded decode_all(const std::vector<std::string_view>& parts, std::size_t limit) {
  BodyDecoder decoder(limit);
  Decoded out;
  for (std::string_view part : parts) {
    if (out.finished) {
      out.rest += part;
      continue;
    }
    const BodyDecoder::Result result = decoder.decode(part);
    out.body += result.data;
    out.failures += result.line_too_long ? 1 : 0;
    EXPECT_LE(result.data.size(), 2 * part.size()) << "output is bounded by the input given";
    if (result.finished) {
      out.finished = true;
      out.rest += part.substr(result.consumed);
    } else {
      EXPECT_EQ(result.consumed, part.size());
    }
  }
  return out;
}

struct Case {
  const char* name;
  std::string input;
  std::size_t limit;
  std::string body;
  bool finished;
  int failures;
  std::string rest;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"empty body", ".\r\n", 64, "", true, 0, ""},
      {"one line", "Subject: hi\r\n.\r\n", 64, "Subject: hi\r\n", true, 0, ""},
      {"empty line kept", "a\r\n\r\nb\r\n.\r\n", 64, "a\r\n\r\nb\r\n", true, 0, ""},
      {"dot-stuffed dot line", "..\r\n.\r\n", 64, ".\r\n", true, 0, ""},
      {"three dots", "...\r\n.\r\n", 64, "..\r\n", true, 0, ""},
      {"stuffed .x", ".x\r\n.\r\n", 64, "x\r\n", true, 0, ""},
      {"dot inside a line", "a.b\r\nc .\r\n.\r\n", 64, "a.b\r\nc .\r\n", true, 0, ""},
      {"bare LF becomes CRLF", "a\nb\n.\n", 64, "a\r\nb\r\n", true, 0, ""},
      {"lone CR kept", "a\rb\r\n.\r\n", 64, "a\rb\r\n", true, 0, ""},
      {"dot CR then data", ".\rx\r\n.\r\n", 64, "\rx\r\n", true, 0, ""},
      {"8-bit and NUL", "\xe4\0\xff\r\n\0\r\n.\r\n"s, 64, "\xe4\0\xff\r\n\0\r\n"s, true, 0, ""},
      {"bytes after the terminator are not the body", "a\r\n.\r\n+OK next\r\n", 64, "a\r\n", true, 0,
       "+OK next\r\n"},
      {"not yet terminated", "a\r\n..", 64, "a\r\n.", false, 0, ""},  // the 2nd "." is content
      {"line at the limit", "12345678\r\n.\r\n", 8, "12345678\r\n", true, 0, ""},
      {"line at the limit, bare LF", "12345678\n.\r\n", 8, "12345678\r\n", true, 0, ""},
      {"stuffing dot does not count", ".12345678\r\n.\r\n", 8, "12345678\r\n", true, 0, ""},
      {"line over the limit fails once", "ok\r\n123456789\r\nmore\r\n" + std::string(30, 'z') + "\r\n.\r\n",
       8, "", true, 1, ""},
      {"over the limit without LF", "123456789" + std::string(30, 'z'), 8, "", false, 1, ""},
      {"failed body still finds its terminator", "123456789\r\n..\r\n.\r\nNEXT", 8, "", true, 1, "NEXT"},
  };
  return kCases;
}

TEST(BodyDecoder, TableFedWholeByteByByteAndAtEverySplit) {
  for (const Case& c : cases()) {
    for (const auto& split : all_splits(c.input)) {
      SCOPED_TRACE(std::string(c.name) + " / " + split.name);
      const Decoded decoded = decode_all(split.parts, c.limit);
      EXPECT_EQ(decoded.finished, c.finished);
      EXPECT_EQ(decoded.failures, c.failures);
      EXPECT_EQ(decoded.rest, c.rest);
      if (c.failures == 0) {
        EXPECT_EQ(decoded.body, c.body);
      }
    }
  }
}

TEST(BodyDecoder, StreamsAHugeLineWithoutHoldingIt) {
  // A 5 MiB line under a 16 MiB limit, fed in 64 KiB pieces: each call returns
  // its piece at once; nothing accumulates.
  BodyDecoder decoder(16 * 1024 * 1024);
  const std::string piece(64 * 1024, 'q');
  std::size_t total = 0;
  for (int i = 0; i < 80; ++i) {
    const BodyDecoder::Result result = decoder.decode(piece);
    EXPECT_EQ(result.data.size(), piece.size());
    EXPECT_LE(decoder.buffered(), 2 * piece.size());
    total += result.data.size();
  }
  const BodyDecoder::Result end = decoder.decode("\r\n.\r\n");
  EXPECT_TRUE(end.finished);
  EXPECT_EQ(end.data, "\r\n");
  EXPECT_EQ(total, 80 * piece.size());
}

TEST(BodyDecoder, ResetStartsAFreshBody) {
  BodyDecoder decoder(4);
  EXPECT_TRUE(decoder.decode("123456\r\n").line_too_long);
  EXPECT_TRUE(decoder.failed());
  decoder.reset();
  EXPECT_FALSE(decoder.failed());
  const BodyDecoder::Result result = decoder.decode("ok\r\n.\r\n");
  EXPECT_EQ(result.data, "ok\r\n");
  EXPECT_TRUE(result.finished);
}

}  // namespace
}  // namespace pop3
