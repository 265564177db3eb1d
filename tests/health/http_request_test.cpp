#include "health/http_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace health {
namespace {

using Progress = HttpRequestParser::Progress;

}  // namespace

// Readable failure messages.
void PrintTo(Progress progress, std::ostream* out) {
  *out << (progress == Progress::NeedMore   ? "NeedMore"
           : progress == Progress::Complete ? "Complete"
                                            : "Error");
}

namespace {

struct Case {
  const char* name;
  std::string input;
  Progress progress;
  int status = 0;  // when Error
  std::string method = {};
  std::string path = {};
};

// Small limits keep the oversized cases short, so that splitting them at
// every point stays fast; the default limits have their own tests below.
HttpRequestLimits table_limits() {
  HttpRequestLimits limits;
  limits.max_head_bytes = 512;
  limits.max_body_bytes = 64;
  limits.max_headers = 8;
  return limits;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"curl_get",
       "GET /health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
       Progress::Complete, 0, "GET", "/health"},
      {"http10_without_host", "GET /metrics HTTP/1.0\r\n\r\n", Progress::Complete, 0, "GET", "/metrics"},
      {"query_split_off", "GET /health?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n", Progress::Complete, 0, "GET",
       "/health"},
      {"absolute_form", "GET http://localhost/health HTTP/1.1\r\nHost: localhost\r\n\r\n", Progress::Complete,
       0, "GET", "/health"},
      {"post_without_body", "POST /poll/alice HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
       Progress::Complete, 0, "POST", "/poll/alice"},
      {"post_with_small_body", "POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
       Progress::Complete, 0, "POST", "/poll"},
      {"chunked_body",
       "POST /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       Progress::Complete, 0, "POST", "/poll"},
      {"empty_header_value", "GET /health HTTP/1.1\r\nX-Empty:\r\nHost: x\r\n\r\n", Progress::Complete, 0,
       "GET", "/health"},
      {"head_method", "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n", Progress::Complete, 0, "HEAD", "/health"},
      {"incomplete_head", "GET /health HTTP/1.1\r\nHost: x\r\n", Progress::NeedMore},
      {"incomplete_body", "POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab",
       Progress::NeedMore},
      {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", Progress::Error, 400},
      {"not_http", "hello there\r\n\r\n", Progress::Error, 400},
      {"space_in_target", "GET /hea lth HTTP/1.1\r\nHost: x\r\n\r\n", Progress::Error, 400},
      {"missing_host_in_1_1", "GET /health HTTP/1.1\r\n\r\n", Progress::Error, 400},
      {"two_hosts", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Progress::Error, 400},
      {"bare_lf_in_header_name", "GET /health HTTP/1.1\r\nHo\nst: x\r\n\r\n", Progress::Error, 400},
      {"bad_content_length", "POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", Progress::Error,
       400},
      // asterisk-form (RFC 9112 §3.2.4) is valid HTTP; the server has no route for it.
      {"asterisk_target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", Progress::Complete, 0, "OPTIONS", "*"},
      {"http2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Progress::Error, 400},
      {"http_version_2", "GET /health HTTP/2.0\r\nHost: x\r\n\r\n", Progress::Error, 505},
      {"declared_body_too_large", "POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n",
       Progress::Error, 413},
      {"sent_body_too_large",
       "POST /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" + std::string(65, 'b'),
       Progress::Error, 413},
      {"head_too_large", "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(600, 'a') + "\r\n\r\n",
       Progress::Error, 431},
      {"target_too_large", "GET /" + std::string(600, 'a') + " HTTP/1.1\r\n", Progress::Error, 431},
      {"too_many_headers",
       "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\nG: 7\r\nH: 8\r\n\r\n",
       Progress::Error, 431},
  };
  return kCases;
}

// Feeds `pieces` in order and returns the final progress.
Progress feed_all(HttpRequestParser& parser, const std::vector<std::string_view>& pieces) {
  Progress progress = parser.progress();
  for (std::string_view piece : pieces) progress = parser.feed(piece);
  return progress;
}

void expect_outcome(const Case& c, const HttpRequestParser& parser, Progress progress,
                    const std::string& how) {
  ASSERT_EQ(progress, c.progress) << c.name << " fed " << how << ": " << parser.error_reason();
  if (progress == Progress::Error) {
    EXPECT_EQ(parser.error_status(), c.status) << c.name << " fed " << how << ": " << parser.error_reason();
    EXPECT_FALSE(parser.error_reason().empty());
  }
  if (progress == Progress::Complete) {
    EXPECT_EQ(parser.request().method, c.method) << c.name << " fed " << how;
    EXPECT_EQ(parser.request().path, c.path) << c.name << " fed " << how;
  }
}

TEST(HttpRequestParser, EveryCaseFedWhole) {
  for (const Case& c : cases()) {
    HttpRequestParser parser(table_limits());
    expect_outcome(c, parser, parser.feed(c.input), "whole");
  }
}

TEST(HttpRequestParser, EveryCaseFedByteByByte) {
  for (const Case& c : cases()) {
    HttpRequestParser parser(table_limits());
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < c.input.size(); ++i) bytes.push_back(std::string_view(c.input).substr(i, 1));
    expect_outcome(c, parser, feed_all(parser, bytes), "byte by byte");
  }
}

TEST(HttpRequestParser, EveryCaseSplitAtEveryPoint) {
  for (const Case& c : cases()) {
    const std::string_view input = c.input;
    for (std::size_t split = 0; split <= input.size(); ++split) {
      HttpRequestParser parser(table_limits());
      expect_outcome(c, parser, feed_all(parser, {input.substr(0, split), input.substr(split)}),
                     "split at " + std::to_string(split));
    }
  }
}

TEST(HttpRequestParser, CollectsTargetQueryHeadersAndBody) {
  HttpRequestParser parser;
  ASSERT_EQ(parser.feed("POST /poll/alice?now=1 HTTP/1.1\r\nHost: localhost\r\nX-Empty:\r\n"
                        "content-length: 3\r\n\r\nabc"),
            Progress::Complete);
  const HttpRequest& request = parser.request();
  EXPECT_EQ(request.target, "/poll/alice?now=1");
  EXPECT_EQ(request.path, "/poll/alice");
  EXPECT_EQ(request.query, "now=1");
  EXPECT_EQ(request.version_major, 1u);
  EXPECT_EQ(request.version_minor, 1u);
  ASSERT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(request.headers[1].first, "X-Empty");
  EXPECT_EQ(request.headers[1].second, "");
  EXPECT_EQ(request.header("HOST"), "localhost");
  EXPECT_EQ(request.header("Content-Length"), "3");
  EXPECT_EQ(request.header("Accept"), std::nullopt);
  EXPECT_EQ(request.body, "abc");
}

TEST(HttpRequestParser, HeaderNamesAndValuesSplitAcrossFeedsAreJoined) {
  HttpRequestParser parser;
  EXPECT_EQ(feed_all(parser, {"GET / HTTP/1.1\r\nHo", "st: loc", "alhost\r\nX-A", "b: 1", "\r\n\r\n"}),
            Progress::Complete);
  ASSERT_EQ(parser.request().headers.size(), 2u);
  EXPECT_EQ(parser.request().headers[0], (std::pair<std::string, std::string>{"Host", "localhost"}));
  EXPECT_EQ(parser.request().headers[1], (std::pair<std::string, std::string>{"X-Ab", "1"}));
}

TEST(HttpRequestParser, IgnoresBytesAfterTheFirstRequest) {
  HttpRequestParser parser;
  EXPECT_EQ(parser.feed("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Progress::Complete);
  EXPECT_EQ(parser.request().path, "/health");
  EXPECT_EQ(parser.feed("garbage"), Progress::Complete);
  EXPECT_EQ(parser.request().path, "/health");
}

TEST(HttpRequestParser, ErrorIsFinal) {
  HttpRequestParser parser;
  EXPECT_EQ(parser.feed("BREW /pot HTCPCP/1.0\r\n"), Progress::Error);
  EXPECT_EQ(parser.feed("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), Progress::Error);
  EXPECT_EQ(parser.error_status(), 400);
}

TEST(HttpRequestParser, HeadExactlyAtTheLimitIsAccepted) {
  const std::string start = "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  HttpRequestLimits limits;
  const std::string exact = start + std::string(limits.max_head_bytes - start.size() - end.size(), 'a') + end;
  ASSERT_EQ(exact.size(), limits.max_head_bytes);
  HttpRequestParser at_limit(limits);
  EXPECT_EQ(at_limit.feed(exact), Progress::Complete);

  const std::string one_more =
      start + std::string(limits.max_head_bytes - start.size() - end.size() + 1, 'a') + end;
  HttpRequestParser over_limit(limits);
  EXPECT_EQ(over_limit.feed(one_more), Progress::Error);
  EXPECT_EQ(over_limit.error_status(), 431);
}

TEST(HttpRequestParser, DefaultBodyLimitIsOneKibibyte) {
  const std::string head = "POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: ";
  HttpRequestParser at_limit;
  EXPECT_EQ(at_limit.feed(head + "1024\r\n\r\n" + std::string(1024, 'b')), Progress::Complete);
  HttpRequestParser over_limit;
  EXPECT_EQ(over_limit.feed(head + "1025\r\n\r\n"), Progress::Error);
  EXPECT_EQ(over_limit.error_status(), 413);
}

TEST(HttpRequestParser, TooManyHeaderFields) {
  HttpRequestLimits limits;
  limits.max_headers = 3;
  HttpRequestParser exact(limits);
  EXPECT_EQ(exact.feed("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n"), Progress::Complete);
  HttpRequestParser over(limits);
  EXPECT_EQ(over.feed("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), Progress::Error);
  EXPECT_EQ(over.error_status(), 431);
}

TEST(HttpRequestParser, ChunkedBodyOverTheLimit) {
  HttpRequestLimits limits;
  limits.max_body_bytes = 4;
  HttpRequestParser parser(limits);
  EXPECT_EQ(parser.feed("POST /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                        "2\r\nde\r\n0\r\n\r\n"),
            Progress::Error);
  EXPECT_EQ(parser.error_status(), 413);
}

TEST(HttpRequestParser, EndlessChunkFramingIsCutOff) {
  // Empty-looking framing (chunk extensions) carries no body bytes; it must
  // still be bounded.
  HttpRequestParser parser;
  Progress progress = parser.feed("POST /poll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 10000 && progress == Progress::NeedMore; ++i)
    progress = parser.feed("1;ext=aaaa\r\na\r\n");
  EXPECT_EQ(progress, Progress::Error);
  EXPECT_EQ(parser.error_status(), 413);
}

TEST(HttpRequestParser, FinishBeforeCompleteIsBadRequest) {
  HttpRequestParser fresh;
  EXPECT_TRUE(fresh.empty());
  HttpRequestParser partial;
  partial.feed("GET /hea");
  EXPECT_FALSE(partial.empty());
  EXPECT_EQ(partial.finish(), Progress::Error);
  EXPECT_EQ(partial.error_status(), 400);

  HttpRequestParser complete;
  complete.feed("GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(complete.finish(), Progress::Complete);
}

TEST(HttpRequestParser, MovedParserKeepsParsing) {
  HttpRequestParser first;
  first.feed("GET /health HTTP/1.1\r\nHo");
  HttpRequestParser second = std::move(first);
  EXPECT_EQ(second.feed("st: x\r\n\r\n"), Progress::Complete);
  EXPECT_EQ(second.request().header("Host"), "x");
}

}  // namespace
}  // namespace health
