#include "health/http_response.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace health {
namespace {

using Progress = HttpResponseParser::Progress;

struct Case {
  const char* name;
  std::string input;
  bool close_after;  // the server closes the connection after `input`
  Progress progress;
  int status = 0;
  std::string body = {};
};

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"content_length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", false,
       Progress::Complete, 200, "hello"},
      {"empty_body", "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", false, Progress::Complete, 202,
       ""},
      {"until_close", "HTTP/1.0 503 Service Unavailable\r\n\r\ndegraded", true, Progress::Complete, 503,
       "degraded"},
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
       false, Progress::Complete, 200, "abc"},
      {"truncated_body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true, Progress::Error},
      {"truncated_head", "HTTP/1.1 200 OK\r\nContent-Len", true, Progress::Error},
      {"nothing", "", true, Progress::Error},
      {"not_http", "SSH-2.0-OpenSSH_9.2\r\n", false, Progress::Error},
      {"waiting_for_body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", false, Progress::NeedMore},
  };
  return kCases;
}

void check(const Case& c, const std::vector<std::string_view>& pieces, const std::string& how) {
  HttpResponseParser parser;
  Progress progress = Progress::NeedMore;
  for (std::string_view piece : pieces) progress = parser.feed(piece);
  if (c.close_after) progress = parser.finish();
  ASSERT_EQ(progress, c.progress) << c.name << " fed " << how << ": " << parser.error_reason();
  if (progress == Progress::Complete) {
    EXPECT_EQ(parser.response().status, c.status) << c.name << " fed " << how;
    EXPECT_EQ(parser.response().body, c.body) << c.name << " fed " << how;
  }
  if (progress == Progress::Error) {
    EXPECT_FALSE(parser.error_reason().empty()) << c.name;
  }
}

TEST(HttpResponseParser, EveryCaseWholeByteByByteAndSplit) {
  for (const Case& c : cases()) {
    const std::string_view input = c.input;
    check(c, {input}, "whole");
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
    check(c, bytes, "byte by byte");
    for (std::size_t split = 0; split <= input.size(); ++split) {
      check(c, {input.substr(0, split), input.substr(split)}, "split at " + std::to_string(split));
    }
  }
}

TEST(HttpResponseParser, CollectsHeaders) {
  HttpResponseParser parser;
  ASSERT_EQ(parser.feed("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n\r\n"),
            Progress::Complete);
  EXPECT_EQ(parser.response().status, 405);
  EXPECT_EQ(parser.response().header("allow"), "GET, HEAD");
}

TEST(HttpResponseParser, HeadAnswerHasNoBodyWhateverTheLength) {
  HttpResponseOptions options;
  options.head_request = true;
  HttpResponseParser parser(options);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"), Progress::Complete);
  EXPECT_TRUE(parser.response().body.empty());
}

TEST(HttpResponseParser, LargerThanTheBoundIsAnError) {
  HttpResponseOptions options;
  options.max_bytes = 64;
  HttpResponseParser parser(options);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"), Progress::NeedMore);
  EXPECT_EQ(parser.feed(std::string(100, 'x')), Progress::Error);
  EXPECT_NE(parser.error_reason().find("larger than 64"), std::string::npos) << parser.error_reason();
}

TEST(HttpResponseParser, IgnoresBytesAfterTheResponse) {
  HttpResponseParser parser;
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE"), Progress::Complete);
  EXPECT_EQ(parser.response().body, "ok");
  EXPECT_EQ(parser.finish(), Progress::Complete);
}

}  // namespace
}  // namespace health
