#include "pop3/line_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "splits.hpp"

namespace pop3 {
namespace {

using testing::all_splits;

struct Outcome {
  std::vector<std::string> lines;
  bool too_long = false;
  std::string leftover;  // bytes of an incomplete last line (still NeedMore)
};

Outcome read_all(const std::vector<std::string_view>& parts, std::size_t limit) {
  LineReader reader(limit);
  Outcome outcome;
  for (std::string_view part : parts) {
    while (!part.empty()) {
      const LineReader::Result result = reader.read(part);
      if (result.status == LineReader::Status::TooLong) {
        outcome.too_long = true;
        return outcome;
      }
      if (result.status == LineReader::Status::Line) outcome.lines.emplace_back(result.line);
      EXPECT_LE(reader.buffered(), limit + 1) << "the reader must never hold more than one bounded line";
      part.remove_prefix(result.consumed);
    }
  }
  outcome.leftover = std::string(reader.buffered(), '?');
  return outcome;
}

struct Case {
  const char* name;
  std::string input;
  std::size_t limit;
  std::vector<std::string> lines;
  bool too_long;
  std::size_t leftover_bytes;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"one CRLF line", "+OK hello\r\n", 64, {"+OK hello"}, false, 0},
      {"bare LF", "+OK hello\n", 64, {"+OK hello"}, false, 0},
      {"several lines", "a\r\nbb\nccc\r\n", 64, {"a", "bb", "ccc"}, false, 0},
      {"empty lines", "\r\n\n", 64, {"", ""}, false, 0},
      {"incomplete tail is kept", "a\r\npart", 64, {"a"}, false, 4},
      {"lone CR inside a line is data", "a\rb\r\n", 64, {"a\rb"}, false, 0},
      {"line exactly at the limit", std::string(8, 'x') + "\r\n", 8, {std::string(8, 'x')}, false, 0},
      {"limit with bare LF", std::string(8, 'x') + "\n", 8, {std::string(8, 'x')}, false, 0},
      {"one over the limit (CRLF)", std::string(9, 'x') + "\r\n", 8, {}, true, 0},
      {"one over the limit (LF)", std::string(9, 'x') + "\n", 8, {}, true, 0},
      {"endless line", std::string(100, 'x'), 8, {}, true, 0},
      {"long line after a good one", "ok\r\n" + std::string(20, 'y') + "\r\n", 8, {"ok"}, true, 0},
      {"8-bit and NUL bytes", std::string("a\0\xff\r\n", 5), 64, {std::string("a\0\xff", 3)}, false, 0},
  };
  return kCases;
}

TEST(LineReader, TableFedWholeByteByByteAndAtEverySplit) {
  for (const Case& c : cases()) {
    for (const auto& split : all_splits(c.input)) {
      SCOPED_TRACE(std::string(c.name) + " / " + split.name);
      const Outcome outcome = read_all(split.parts, c.limit);
      EXPECT_EQ(outcome.too_long, c.too_long);
      EXPECT_EQ(outcome.lines, c.lines);
      if (!c.too_long) {
        EXPECT_EQ(outcome.leftover.size(), c.leftover_bytes);
      }
    }
  }
}

TEST(LineReader, ConsumesOnlyOneLineSoTheRestCanGoElsewhere) {
  LineReader reader;
  const std::string input = "+OK\r\nBODY BYTES";
  const LineReader::Result result = reader.read(input);
  ASSERT_EQ(result.status, LineReader::Status::Line);
  EXPECT_EQ(result.line, "+OK");
  EXPECT_EQ(result.consumed, 5u);
}

TEST(LineReader, StaysTooLongUntilReset) {
  LineReader reader(4);
  EXPECT_EQ(reader.read("123456789").status, LineReader::Status::TooLong);
  EXPECT_EQ(reader.read("ok\r\n").status, LineReader::Status::TooLong);
  EXPECT_EQ(reader.buffered(), 0u);
  reader.reset();
  const LineReader::Result result = reader.read("ok\r\n");
  ASSERT_EQ(result.status, LineReader::Status::Line);
  EXPECT_EQ(result.line, "ok");
}

TEST(LineReader, MemoryStaysBoundedUnderAFlood) {
  LineReader reader;  // the default, kMaxReplyLineLength
  const std::string chunk(1000, 'z');
  bool too_long = false;
  for (int i = 0; i < 100 && !too_long; ++i) {
    const LineReader::Result result = reader.read(chunk);
    too_long = result.status == LineReader::Status::TooLong;
    EXPECT_LE(reader.buffered(), kMaxReplyLineLength + 1);
  }
  EXPECT_TRUE(too_long);
}

}  // namespace
}  // namespace pop3
