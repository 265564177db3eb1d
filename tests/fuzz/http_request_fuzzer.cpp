// libFuzzer target: arbitrary client bytes into the health socket's
// HttpRequestParser, cut into chunks chosen by the input, with the default or
// tiny limits. Besides crashes and sanitizer reports (the parser's callbacks
// run inside Debian's http-parser, a C library) it checks the parser's
// promises and aborts when one is broken:
//   - Complete and Error are final: more bytes change nothing;
//   - an error is one of 400, 413, 431, 505;
//   - a complete request stays within the limits (head, body, header count).
//
// Input layout: byte 0 chunking (0: all at once, n: chunks of 1..n bytes),
// byte 1 bit 0 tiny limits, bit 1 no finish() at the end; the rest is what the
// client sent.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "health/http_request.hpp"

namespace {

using health::HttpRequestLimits;
using health::HttpRequestParser;

[[noreturn]] void broken(const char* promise) {
  std::fprintf(stderr, "http_request_fuzzer: broken promise: %s\n", promise);
  std::abort();
}

void check(bool ok, const char* promise) {
  if (!ok) broken(promise);
}

void check_final(const HttpRequestParser& parser, const HttpRequestLimits& limits) {
  if (parser.progress() == HttpRequestParser::Progress::Error) {
    const int status = parser.error_status();
    check(status == 400 || status == 413 || status == 431 || status == 505, "error statuses");
    check(!parser.error_reason().empty(), "errors have a reason");
  } else if (parser.progress() == HttpRequestParser::Progress::Complete) {
    const auto& request = parser.request();
    check(request.target.size() <= limits.max_head_bytes, "target within the head limit");
    check(request.body.size() <= limits.max_body_bytes, "body within its limit");
    check(request.headers.size() <= limits.max_headers, "header count within its limit");
    check(request.version_major == 1, "only HTTP/1.x completes");
    check(!request.method.empty() && !request.path.empty(), "method and path are set");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_chunk = data[0];
  HttpRequestLimits limits;
  if ((data[1] & 1) != 0) {
    limits.max_head_bytes = 64;
    limits.max_body_bytes = 8;
    limits.max_headers = 2;
  }
  HttpRequestParser parser(limits);
  std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t step = 0;
  while (!bytes.empty()) {
    // Chunk sizes cycle through 1..max_chunk, different for every position.
    const std::size_t n =
        max_chunk == 0 ? bytes.size() : std::min(bytes.size(), 1 + (step * 7 + 3) % max_chunk);
    ++step;
    const HttpRequestParser::Progress before = parser.progress();
    const HttpRequestParser::Progress after = parser.feed(bytes.substr(0, n));
    check(after == parser.progress(), "feed returns the progress");
    if (before != HttpRequestParser::Progress::NeedMore) check(after == before, "final states are final");
    bytes.remove_prefix(n);
  }
  if ((data[1] & 2) == 0) {
    const HttpRequestParser::Progress before = parser.progress();
    const HttpRequestParser::Progress after = parser.finish();
    check(after != HttpRequestParser::Progress::NeedMore, "finish() decides");
    if (before != HttpRequestParser::Progress::NeedMore) check(after == before, "final states are final");
  }
  check_final(parser, limits);
  return 0;
}
