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
  std::string rest;  // input after the terminator
};

Decoded decode_all(const std::vector<std::string_view>& parts, LineEnd line_end) {
  BodyDecoder decoder;
  decoder.reset(line_end);
  Decoded out;
  for (std::string_view part : parts) {
    if (out.finished) {
      out.rest += part;
      continue;
    }
    const BodyDecoder::Result result = decoder.decode(part);
    out.body += result.data;
    // Bounded by the input given: a bare LF becomes two bytes, and a "." held
    // back until its line end shows whether it was stuffing comes out late.
    EXPECT_LE(result.data.size(), 2 * part.size() + 1) << "output is bounded by the input given";
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
  LineEnd line_end;
  std::string body;
  bool finished;
  std::string rest;
};

constexpr LineEnd kCrlf = LineEnd::Crlf;
constexpr LineEnd kLf = LineEnd::BareLf;

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"empty body", ".\r\n", kCrlf, "", true, ""},
      {"one line", "Subject: hi\r\n.\r\n", kCrlf, "Subject: hi\r\n", true, ""},
      {"empty line kept", "a\r\n\r\nb\r\n.\r\n", kCrlf, "a\r\n\r\nb\r\n", true, ""},
      {"dot-stuffed dot line", "..\r\n.\r\n", kCrlf, ".\r\n", true, ""},
      {"three dots", "...\r\n.\r\n", kCrlf, "..\r\n", true, ""},
      {"stuffed .x", ".x\r\n.\r\n", kCrlf, "x\r\n", true, ""},
      {"dot inside a line", "a.b\r\nc .\r\n.\r\n", kCrlf, "a.b\r\nc .\r\n", true, ""},
      {"lone CR kept", "a\rb\r\n.\r\n", kCrlf, "a\rb\r\n", true, ""},
      {"dot CR then data", ".\rx\r\n.\r\n", kCrlf, "\rx\r\n", true, ""},
      {"8-bit and NUL", "\xe4\0\xff\r\n\0\r\n.\r\n"s, kCrlf, "\xe4\0\xff\r\n\0\r\n"s, true, ""},
      {"bytes after the terminator are not the body", "a\r\n.\r\n+OK next\r\n", kCrlf, "a\r\n", true,
       "+OK next\r\n"},
      {"not yet terminated", "a\r\n..", kCrlf, "a\r\n.", false, ""},  // the 2nd "." is content
      // Issue 11 item 1: after a CRLF greeting only CRLF "." CRLF ends the body.
      {"CRLF server: bare LF becomes CRLF", "a\nb\r\n.\r\n", kCrlf, "a\r\nb\r\n", true, ""},
      {"CRLF server: '.' LF is content", "a\n.\n+OK 9 octets\r\nfake\r\n.\r\n", kCrlf,
       "a\r\n.\r\n+OK 9 octets\r\nfake\r\n", true, ""},
      {"CRLF server: '.' CRLF after a bare LF is content", "a\n.\r\nb\r\n.\r\nNEXT", kCrlf, "a\r\n.\r\nb\r\n",
       true, "NEXT"},
      {"CRLF server: '.' LF first is content", ".\n.\r\n.\r\n", kCrlf, ".\r\n.\r\n", true, ""},
      {"CRLF server: stuffing after a bare LF still undone", "a\n..\n.x\r\n.\r\n", kCrlf, "a\r\n.\r\nx\r\n",
       true, ""},
      {"LF server: bare LF becomes CRLF", "a\nb\n.\n", kLf, "a\r\nb\r\n", true, ""},
      {"LF server: '.' LF ends the body", "a\n.\n+OK next\n", kLf, "a\r\n", true, "+OK next\n"},
      {"LF server: '.' CRLF ends it too", "a\n.\r\nX", kLf, "a\r\n", true, "X"},
      {"a long line is not a failure", std::string(3000, 'z') + "\r\n.\r\n", kCrlf,
       std::string(3000, 'z') + "\r\n", true, ""},
  };
  return kCases;
}

TEST(BodyDecoder, TableFedWholeByteByByteAndAtEverySplit) {
  for (const Case& c : cases()) {
    for (const auto& split : all_splits(c.input)) {
      SCOPED_TRACE(std::string(c.name) + " / " + split.name);
      const Decoded decoded = decode_all(split.parts, c.line_end);
      EXPECT_EQ(decoded.finished, c.finished);
      EXPECT_EQ(decoded.rest, c.rest);
      EXPECT_EQ(decoded.body, c.body);
    }
  }
}

TEST(BodyDecoder, StreamsAHugeLineWithoutHoldingIt) {
  // A 5 MiB line fed in 64 KiB pieces: each call returns its piece at once;
  // nothing accumulates, and no length makes it fail.
  BodyDecoder decoder;
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
  BodyDecoder decoder;
  EXPECT_EQ(decoder.decode("a\n.").data, "a\r\n");  // a "." after a bare LF, not yet judged
  decoder.reset(LineEnd::Crlf);
  const BodyDecoder::Result result = decoder.decode("ok\r\n.\r\n");
  EXPECT_EQ(result.data, "ok\r\n");
  EXPECT_TRUE(result.finished);
}

}  // namespace
}  // namespace pop3
